"""`footprint sweep`: configurations run under the profiler, sweep.json
(checked against docs/sweep.schema.json), power-law fits and predictions
checked against a program whose growth is known, the page in headless
Chromium, and the failure, interrupt and resume cases. The sweeps run on
the main interpreter only and keep their sizes small."""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, ROOT, program
from test_html import drawn, needs_chromium, open_page

MB = 1_000_000
SCHEMA = os.path.join(ROOT, "docs", "sweep.schema.json")


def sweep(out, args, timeout=300, **kw):
    cmd = [FOOTPRINT, "sweep", "--out", str(out)] + list(args)
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(cmd, timeout=timeout, **kw)


def summary(out):
    with open(os.path.join(str(out), "sweep.json")) as f:
        d = json.load(f)
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(d, json.load(open(SCHEMA)), cls=jsonschema.Draft202012Validator)
    return d


def fit(d, target, figure, parameter="N"):
    for f in d["fits"]:
        if f["target"] == target and f["figure"] == figure and f["parameter"] == parameter:
            return f
    raise AssertionError("no fit of %s %s in %s" % (target, figure, [(f["target"], f["figure"]) for f in d["fits"]]))


def growth_sweep(out):
    return sweep(out, ["-p", "N=1500,3000,6000", "--predict", "N=60000", "--python", MAIN_PYTHON,
                       "--interval", "0.001", program("growth_known.py")])


def test_growth_exponents_and_prediction(tmp_path):
    run = growth_sweep(tmp_path / "s")
    assert run.returncode == 0, run.stderr
    d = summary(tmp_path / "s")
    assert [c["params"]["N"] for c in d["configs"]] == [1500, 3000, 6000]
    assert all(c["status"] == "ok" for c in d["configs"])
    # memory: exact, so the exponent is 1 within the bound
    assert fit(d, "hold_memory", "peak_bytes")["exponent"] == pytest.approx(1, abs=0.1)
    assert fit(d, "hold_memory", "alloc_bytes")["exponent"] == pytest.approx(1, abs=0.1)
    # time: n^2, read in CPU time (wall and a line's time grow with the
    # machine's load); a run disturbed anyway can tilt three points, so a
    # miss is measured again (twice at most) before it counts
    k = fit(d, "square_time", "cpu_s")
    for again in ("again", "again2"):
        if abs(k["exponent"] - 2) <= 0.1:
            break
        assert growth_sweep(tmp_path / again).returncode == 0
        k = fit(summary(tmp_path / again), "square_time", "cpu_s")
    assert k["exponent"] == pytest.approx(2, abs=0.1), k
    assert k["superlinear"]
    assert not fit(d, "hold_memory", "peak_bytes")["superlinear"]
    # the prediction at 10x the largest size, against a real run there
    pred = next(p for p in d["predictions"] if p["target"] == "hold_memory" and p["figure"] == "peak_bytes")
    real = subprocess.run([FOOTPRINT, "run", "--quiet", "--python", MAIN_PYTHON, "--json", str(tmp_path / "real.json"),
                           program("growth_known.py")], env=dict(os.environ, N="60000", PHASES="memory"),
                          capture_output=True, text=True, timeout=120)
    assert real.returncode == 0, real.stderr
    fns = json.load(open(tmp_path / "real.json"))["files"][0]["functions"]
    truth = next(f for f in fns if f["name"] == "hold_memory")["peak_bytes"]
    assert truth == pytest.approx(120 * MB, rel=0.02)
    assert abs(pred["estimate"] - truth) / truth < 0.15, (pred, truth)
    assert pred["low"] <= pred["estimate"] <= pred["high"]
    # the terminal tables
    assert "square_time" in run.stdout and "superlinear" in run.stdout
    assert "at N=60000 the peak would be about" in run.stdout


@needs_chromium
def test_sweep_page_draws_every_configuration(tmp_path):
    out = tmp_path / "s"
    run = sweep(out, ["-p", "N=1,2,3", "-p", "SLEEP=0,0.05", "--python", MAIN_PYTHON,
                      program("sweep_cases.py"), str(tmp_path / "log"), "{N}"])
    assert run.returncode == 0, run.stderr
    d = summary(out)
    assert len(d["configs"]) == 6
    # {N} reached the arguments, the values the environment
    lines = open(tmp_path / "log").read().split("\n")
    assert sorted(l for l in lines if l) == sorted(["1 1", "1 1", "2 2", "2 2", "3 3", "3 3"])
    page = open_page(out / "sweep.html", tmp_path)
    drawn(page)
    for chart in ("peak-vs-size", "time-vs-size", "peak-by-function", "peak-by-function-pct"):
        canvas = page.dom.by_id(chart)
        assert canvas is not None, chart
        assert int(canvas.attrs["data-ink"]) > 500, chart
    # the SLEEP groups are two series of the peak chart
    assert page.dom.by_id("peak-vs-size").attrs["data-series"] == "2"
    rows = page.rows("configs")
    assert len(rows) == 6
    for c, row in zip(d["configs"], rows):
        assert row["param-N"] == str(c["params"]["N"])
        assert row["status"] == "ok"
        peak = c["peak_bytes"] / MB
        assert row["peak"] == ("%.0fMB" % peak if peak >= 10 else "%.1fMB" % peak)
        assert os.path.exists(out / c["report"]) and os.path.exists(out / c["profiles"][0])
    links = [a.attrs.get("href") for a in page.dom.by_id("configs").all("a")]
    assert all(c["report"] in links for c in d["configs"])


def test_failures_go_on_and_resume_skips_what_ran(tmp_path):
    out, log = tmp_path / "s", tmp_path / "log"
    args = ["--max-peak", "60MB", "--python", MAIN_PYTHON, program("sweep_cases.py"), str(log)]
    run = sweep(out, ["-p", "N=5,0,150"] + args, env=dict(os.environ, SLEEP="1"))
    assert run.returncode == 1, run.stderr
    d = summary(out)
    status = {c["params"]["N"]: c["status"] for c in d["configs"]}
    assert status == {5: "ok", 0: "failed", 150: "over-budget"}
    over = next(c for c in d["configs"] if c["params"]["N"] == 150)
    assert over["exit_codes"] == [137] and over["elapsed_s"] < 10
    assert d["complete"] is True
    # an existing sweep is not overwritten
    again = sweep(out, ["-p", "N=5"] + args)
    assert again.returncode == 2 and "--resume" in again.stderr
    # --resume runs only what is not there yet
    before = open(log).read()
    run = sweep(out, ["--resume", "-p", "N=5,0,150,7"] + args, env=dict(os.environ, SLEEP="0"))
    assert open(log).read()[len(before):] == "7 \n"
    assert [c["params"]["N"] for c in summary(out)["configs"]] == [5, 0, 150, 7]


def test_ctrl_c_keeps_what_finished(tmp_path):
    out, log = tmp_path / "s", tmp_path / "log"
    proc = subprocess.Popen([FOOTPRINT, "sweep", "--out", str(out), "-p", "N=1,2,3", "--python", MAIN_PYTHON,
                             program("sweep_cases.py"), str(log)], env=dict(os.environ, SLEEP="3"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 60
    while not os.path.exists(out / "sweep.json") and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the second configuration is running
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    d = summary(out)
    assert d["complete"] is False
    assert [c["params"]["N"] for c in d["configs"]] == [1]
    assert not os.path.exists(out / "N=2.json")
    run = sweep(out, ["--resume", "-p", "N=1,2,3", "--python", MAIN_PYTHON, program("sweep_cases.py"), str(log)],
                env=dict(os.environ, SLEEP="0"))
    assert run.returncode == 0, run.stderr
    d = summary(out)
    assert d["complete"] is True and [c["params"]["N"] for c in d["configs"]] == [1, 2, 3]


@pytest.mark.parametrize("args,words", [
    (["-p", "N"], "NAME=V1,V2"),
    (["-p", "N=1,,2"], "empty value"),
    (["-p", "N=1", "-p", "N=2"], "given twice"),
    (["-p", "N=1,2", "-p", "M=1", "--zip"], "side by side"),
    (["-p", "N=1,2", "--predict", "N=10"], "at least three"),
    (["-p", "N=1,2,3", "--predict", "M=10"], "--predict wants"),
    (["-p", "N=1", "--runs", "0"], "--runs"),
    (["-p", "N=1", "--max-peak", "lots"], "--max-peak"),
    (["-p", "N=1", "--json", "x.json"], "sets --json"),
    (["-p", "N=1", "--bogus"], "unknown option"),
    ([], "at least one parameter"),
])
def test_bad_usage(tmp_path, args, words):
    run = sweep(tmp_path / "s", args + [program("sweep_cases.py")])
    assert run.returncode == 2
    assert words in run.stderr and run.stderr.count("\n") == 1, run.stderr
    assert not os.path.exists(tmp_path / "s" / "sweep.json")


def test_missing_script(tmp_path):
    run = sweep(tmp_path / "s", ["-p", "N=1", str(tmp_path / "nope.py")])
    assert run.returncode == 2 and "no such script" in run.stderr
