"""`footprint compare`: profiles whose differences are known, side by
side in the terminal and in the page (headless Chromium); bad input gets
one line and exit status 2."""
import json
import os
import subprocess

import pytest

from conftest import BAD_PROFILES, FOOTPRINT
from test_html import drawn, entry, made_up, needs_chromium, open_page

PATH = "/src/app/model.py"


def fn(name, line, end, **figs):
    return dict(entry(**figs), name=name, line=line, end_line=end)


def profile(elapsed, peak, fit_time, fit_alloc, only, imports, gpu=False):
    files = [{"path": PATH,
              "lines": [dict(entry(cpu_python_s=fit_time, alloc_bytes=fit_alloc), line=12, source="m.fit(x)"),
                        dict(entry(cpu_native_s=0.5), line=30, source="only()")],
              "functions": [fn("Model.fit", 10, 20, cpu_python_s=fit_time, alloc_bytes=fit_alloc),
                            fn(only, 28, 32, cpu_native_s=0.5)]}]
    p = made_up(files, elapsed_s=elapsed, imports=imports)
    p["memory"]["peak_bytes"] = peak
    if gpu:
        p["gpu"] = {}
    return p


def imp(name, t, b, parent=None):
    return {"name": name, "time_s": t, "alloc_bytes": b, "total_time_s": t, "total_alloc_bytes": b,
            "parent": parent, "file": PATH, "line": 1}


@pytest.fixture
def pair(tmp_path):
    a = profile(2.0, 100_000_000, 1.0, 40_000_000, "only_in_a", [imp("numpy", 0.2, 20_000_000)])
    b = profile(3.0, 250_000_000, 2.5, 10_000_000, "only_in_b",
                [imp("numpy", 0.2, 20_000_000), imp("torch", 1.5, 300_000_000)])
    paths = []
    for name, p in (("linear.json", a), ("mlp.json", b)):
        path = tmp_path / name
        path.write_text(json.dumps(p))
        paths.append(str(path))
    return paths


def compare(*args):
    return subprocess.run([FOOTPRINT, "compare"] + list(args), capture_output=True, text=True, timeout=60)


def section(text, title):
    start = text.index(title)
    end = text.find("\n\n", start)
    return text[start:end if end > 0 else None]


def test_compare_terminal(pair):
    run = compare(*pair)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith("footprint compare: linear vs mlp")
    totals = section(out, "Totals")
    assert "2.00s" in totals and "3.00s" in totals and "1.50x" in totals      # wall
    assert "100MB" in totals and "250MB" in totals and "2.50x" in totals      # peak
    assert "imports (time)" in totals and "1.70s" in totals
    by_time = section(out, "Functions, by time")
    rows = by_time.splitlines()[2:]
    assert rows[0].split()[0] == "Model.fit" and "+1.50s" in rows[0] and "2.50x" in rows[0]
    assert "only in mlp" in by_time and "only in linear" in by_time
    alloc = section(out, "Functions, by allocated")
    assert "-30MB" in alloc and "0.25x" in alloc
    # the same file in both: its lines match
    assert "model.py:12" in section(out, "Lines, by time")
    imports = section(out, "Imports, by time")
    assert imports.splitlines()[2].split()[0] == "torch" and "only in mlp" in imports
    assert "only in linear: 1 function (only_in_a)" in out


@needs_chromium
def test_compare_page(pair, tmp_path):
    html = tmp_path / "cmp.html"
    run = compare(pair[0], "--html", str(html), pair[1])
    assert run.returncode == 0, run.stderr
    page = open_page(html, tmp_path)
    drawn(page)
    assert int(page.dom.by_id("totals").attrs["data-ink"]) > 500
    totals = {r["figure"]: (r["p0"], r["p1"]) for r in page.rows("totals-table")}
    assert totals["wall"] == ("2.00s", "3.00s") and totals["peak"] == ("100MB", "250MB")
    fns = page.rows("functions")
    assert fns[0]["name"] == "Model.fit" and fns[0]["ratio"] == "2.50×"
    only = [r for r in fns if r["name"] == "only_in_b" and r["figure"] == "time_s"]
    assert only and only[0]["p0"] == "-" and only[0]["ratio"] == "only in mlp"


def test_compare_three_and_gpu(tmp_path):
    paths = []
    for i, t in enumerate((1.0, 2.0, 4.0)):
        p = profile(t, 100_000_000, t, 1000, "x", [], gpu=True)
        path = tmp_path / ("p%d.json" % i)
        path.write_text(json.dumps(p))
        paths.append(str(path))
    run = compare(*paths)
    assert run.returncode == 0, run.stderr
    assert "GPU" in run.stdout
    fit = [l for l in section(run.stdout, "Functions, by time").splitlines() if l.split()[0] == "Model.fit"][0]
    assert fit.split()[1:] == ["1.00s", "2.00s", "4.00s", "+3.00s", "4.00x"]


@pytest.mark.parametrize("text,words", BAD_PROFILES)
def test_compare_bad_profile(tmp_path, pair, text, words):
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    run = compare(pair[0], str(bad))
    assert run.returncode == 2
    assert words in run.stderr and run.stderr.count("\n") == 1, run.stderr


@pytest.mark.parametrize("args,words", [
    ([], "two profiles"), (["one.json"], "two profiles"), (["--bogus", "a", "b"], "unknown option"),
    (["a.json", "--html"], "--html wants"),
])
def test_compare_bad_usage(args, words):
    run = compare(*args)
    assert run.returncode == 2 and words in run.stderr and run.stderr.count("\n") == 1


def test_compare_missing_file(tmp_path, pair):
    run = compare(pair[0], str(tmp_path / "nope.json"))
    assert run.returncode == 2 and "nope.json" in run.stderr and run.stderr.count("\n") == 1


def test_labels_from_directories(pair, tmp_path):
    """Two sweeps' profiles have one name: their directories tell them apart."""
    paths = []
    for d, src in (("sweep-a", pair[0]), ("sweep-b", pair[1])):
        (tmp_path / d).mkdir()
        paths.append(str(tmp_path / d / "N=100.json"))
        open(paths[-1], "w").write(open(src).read())
    run = compare(*paths)
    assert run.returncode == 0 and run.stdout.startswith("footprint compare: sweep-a vs sweep-b")
