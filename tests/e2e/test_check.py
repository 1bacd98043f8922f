"""`footprint check`: budgets judged on real runs of a program whose figures
are known (programs/budgets.py), and on saved profiles, some of them edited
to hold sections other parts of footprint add (GPU, imports). Each verdict,
exit status and line named is checked. Runs use the main interpreter only:
the budget logic does not depend on the interpreter, and runs are slow."""
import copy
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, ROOT, SANITIZED, program

MB = 1_000_000
XSD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "junit-10.xsd")
BUDGETS = program("budgets.py")


def line_of(text, path=BUDGETS):
    with open(path) as f:
        return next(n for n, line in enumerate(f, 1) if text in line)


FEATURES = line_of("features = bytearray(size)")    # holds the peak
CHUNK = line_of("chunk = bytearray(5 * MB)")        # allocates 100 MB, 5 MB at a time


def check(*args, cwd=None, timeout=180):
    return subprocess.run([FOOTPRINT, "check"] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def run_profile(path, *args, options=()):
    proc = subprocess.run([FOOTPRINT, "run", "--quiet", "--python", MAIN_PYTHON, "--json", str(path)]
                          + list(options) + [BUDGETS] + list(args), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    with open(path) as f:
        return json.load(f)


def verdicts(proc):
    """{(target, word): (mark, text)} of check's output."""
    out = {}
    for line in proc.stdout.splitlines():
        m = re.match(r"(ok|near|FAIL|skip) +([^:]+): (.*)$", line)
        if m:
            out[(m.group(2), m.group(3).split(" ")[0])] = (m.group(1), m.group(3))
    return out


def one_line_error(proc, *words):
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("footprint: ") and "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def save(tmp_path, name, profile):
    path = tmp_path / name
    path.write_text(json.dumps(profile))
    return path


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """One real profile of budgets.py, and where it is."""
    path = tmp_path_factory.mktemp("check") / "budgets.json"
    return path, run_profile(path)


def function(profile, name):
    for f in profile["files"]:
        for fn in f["functions"]:
            if fn["name"] == name:
                return fn
    raise KeyError(name)


# ---- each kind of budget, over and under, on a saved profile ----

def test_run_budgets_on_a_saved_profile(saved):
    path, p = saved
    peak = p["memory"]["peak_bytes"]
    assert peak > 60 * MB
    under = check("--max-peak", "%dMB" % (peak / MB + 20), "--max-time", "10min", "--max-cpu", "5min",
                  "--max-alloc", "2GB", path)
    assert under.returncode == 0, under.stdout + under.stderr
    v = verdicts(under)
    assert v[("run", "peak")][0] == "ok" and v[("run", "time")][0] == "ok"
    assert v[("run", "cpu")][0] == "ok" and v[("run", "alloc")][0] == "ok"
    assert "4 budgets: 4 held, 0 failed" in under.stdout

    over = check("--max-peak", "40MB", "--max-cpu", "100ms", "--max-alloc", "50MB", "--max-time", "10min", path)
    assert over.returncode == 1, over.stdout + over.stderr
    v = verdicts(over)
    mark, text = v[("run", "peak")]
    # the measured value, the limit, the margin, and the line holding the peak
    assert mark == "FAIL" and "> 40MB (+" in text and "held by" in text, text
    assert re.search(r"held by \S*budgets.py:%d build_features$" % FEATURES, text), text
    margin = float(text.split("(+")[1].split("%")[0])
    assert margin == pytest.approx((peak - 40 * MB) / (40 * MB) * 100, abs=0.1)
    assert v[("run", "cpu")][0] == "FAIL" and re.search(r"mostly at \S*budgets.py:\d+ ", v[("run", "cpu")][1])
    assert v[("run", "alloc")][0] == "FAIL"
    assert v[("run", "time")][0] == "ok"
    # the failed peak lists the lines that held it, the largest first
    detail = over.stdout.split("held by", 1)[1].splitlines()[1]
    assert "60MB" in detail and "budgets.py:%d build_features" % FEATURES in detail


def test_function_and_file_budgets(saved, tmp_path):
    path, p = saved
    budget = write(tmp_path, "b.toml", """
[function."build_features"]
max_peak = "100MB"
max_alloc = "100MB"

[function."budgets.scratch"]   # module-qualified
max_alloc = "50MB"             # it allocates 100 MB, in 5 MB chunks
max_peak = "20MB"              # and holds one at most

[function."spin"]
max_cpu = "10ms"
max_time = "10min"

[file."programs/budgets.py"]
max_peak = "30MB"
""")
    proc = check("--budget", budget, path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    v = verdicts(proc)
    assert v[("function build_features", "peak")][0] == "ok"
    assert v[("function build_features", "alloc")][0] == "ok"
    mark, text = v[("function budgets.scratch", "alloc")]
    assert mark == "FAIL" and re.search(r"allocated by \S*budgets.py:%d scratch$" % CHUNK, text), text
    assert v[("function budgets.scratch", "peak")][0] == "ok"
    mark, text = v[("function spin", "cpu")]
    assert mark == "FAIL" and re.search(r"mostly at \S*budgets.py:\d+ spin$", text), text
    assert v[("function spin", "time")][0] == "ok"
    mark, text = v[("file programs/budgets.py", "peak")]
    assert mark == "FAIL" and re.search(r"held by \S*budgets.py:%d build_features$" % FEATURES, text), text
    # the verdicts come in the file's order
    targets = re.findall(r"^(?:ok|near|FAIL|skip) +([^:]+):", proc.stdout, re.M)
    assert targets == ["function build_features"] * 2 + ["function budgets.scratch"] * 2 + \
        ["function spin"] * 2 + ["file programs/budgets.py"]


def test_sampling_error_is_not_a_failure(saved, tmp_path):
    path, p = saved
    fn = function(p, "scratch")
    alloc = fn["alloc_bytes"]
    error = 2 * (alloc * p["sampling"]["alloc_mean_bytes"]) ** 0.5
    assert error > 1 * MB
    # a limit just under the figure, closer than its sampling error
    near = check("--max-alloc", "scratch=%dB" % (alloc - error / 2), path)
    assert near.returncode == 0, near.stdout
    mark, text = verdicts(near)[("function scratch", "alloc")]
    assert mark == "near" and "within sampling error" in text, text
    # and one further under it than its error
    far = check("--max-alloc", "scratch=%dB" % (alloc - 2 * error), path)
    assert far.returncode == 1 and verdicts(far)[("function scratch", "alloc")][0] == "FAIL"
    # the run's totals are measured, not sampled: no error to hide in
    peak = p["memory"]["peak_bytes"]
    exact = check("--max-peak", "%dB" % (peak - 1000), path)
    assert exact.returncode == 1 and verdicts(exact)[("run", "peak")][0] == "FAIL"


def test_leak_budgets(tmp_path):
    path = tmp_path / "leaks.json"
    proc = subprocess.run([FOOTPRINT, "run", "--quiet", "--python", MAIN_PYTHON, "--json", str(path),
                           program("leaks_known.py")], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    budget = write(tmp_path, "b.toml", """
[run]
no_leaks = true
[function."python_leak"]
no_leaks = true
[function."load_model"]
no_leaks = true
""")
    res = check("--budget", budget, path)
    assert res.returncode == 1
    v = {target: (mark, text) for (target, _), (mark, text) in verdicts(res).items()}
    mark, text = v["run"]
    assert mark == "FAIL" and re.match(r"[1-9]\d* likely leaks? \(", text), text
    mark, text = v["function python_leak"]
    assert mark == "FAIL" and re.match(r"1 likely leak \(\S+\) at \S*leaks_known.py:\d+ python_leak$", text), text
    assert v["function load_model"] == ("ok", "no likely leaks")


def test_gpu_budgets_on_an_edited_profile(saved, tmp_path):
    path, p = saved
    none = check("--max-gpu-peak", "1GB", path)
    assert none.returncode == 0
    assert verdicts(none)[("run", "no")] == ("skip", "no GPU data in the profile")
    assert "warning: run: no GPU data in the profile" in none.stderr
    strict = check("--strict", "--max-gpu-peak", "1GB", path)
    assert strict.returncode == 2 and verdicts(strict)[("run", "no")][0] == "skip"
    # the GPU section as issue #15 adds it: the peak, and each line's share of it
    g = copy.deepcopy(p)
    g["gpu"] = {"peak_bytes": 3_000_000_000}
    for f in g["files"]:
        for entry in f["lines"] + f["functions"]:
            entry["gpu_peak_bytes"] = 0
            if entry.get("name") == "build_features" or entry.get("line") == FEATURES:
                entry["gpu_peak_bytes"] = 2_500_000_000
    gp = save(tmp_path, "gpu.json", g)
    over = check("--max-gpu-peak", "2GB", "--max-gpu-peak", "build_features=3GB", gp)
    assert over.returncode == 1
    v = verdicts(over)
    mark, text = v[("run", "gpu")]
    assert mark == "FAIL" and "3GB > 2GB (+50.0%)" in text
    assert re.search(r"held by \S*budgets.py:%d build_features$" % FEATURES, text), text
    assert v[("function build_features", "gpu")][0] == "ok"


def test_import_budgets_on_an_edited_profile(saved, tmp_path):
    path, p = saved
    budget = write(tmp_path, "b.toml", '[import."argparse"]\nmax_time = "1s"\nmax_alloc = "10MB"\n')
    bare = copy.deepcopy(p)
    bare.pop("imports", None)  # a profile without the imports section
    none = check("--budget", budget, save(tmp_path, "bare.json", bare))
    assert none.returncode == 0 and verdicts(none)[("import argparse", "no")][0] == "skip"
    # real profiles have it (issue #13), and budgets.py imports argparse
    real = check("--budget", budget, path)
    assert real.returncode == 0 and verdicts(real)[("import argparse", "time")][0] == "ok"
    assert verdicts(real)[("import argparse", "alloc")][0] == "ok"
    # the imports section as issue #13 adds it: totals include what it imported
    i = copy.deepcopy(p)
    i["imports"] = [
        {"name": "argparse", "time_s": 0.01, "alloc_bytes": 1_000_000, "total_time_s": 1.5,
         "total_alloc_bytes": 4_000_000, "parent": None, "file": BUDGETS, "line": 12},
        {"name": "gettext", "time_s": 0.2, "alloc_bytes": 100_000, "total_time_s": 0.5,
         "total_alloc_bytes": 200_000, "parent": "argparse", "file": None, "line": None},
    ]
    ip = save(tmp_path, "imports.json", i)
    res = check("--budget", budget, ip)
    assert res.returncode == 1
    v = verdicts(res)
    assert v[("import argparse", "time")][0] == "FAIL" and "1.5s > 1s (+50.0%)" in v[("import argparse", "time")][1]
    assert v[("import argparse", "alloc")][0] == "ok"
    missing = write(tmp_path, "m.toml", '[import."torch"]\nmax_time = "1s"\n')
    res = check("--budget", missing, ip)
    assert res.returncode == 0 and "import 'torch' is not in the profile" in res.stdout


# ---- the program run by check ----

def test_check_runs_the_program(tmp_path):
    ok = check("--python", MAIN_PYTHON, "--max-peak", "2GB", "--max-cpu", "5min", "--no-leaks-allowed",
               BUDGETS, "--scale", "1")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "kept 60000000" in ok.stdout  # the program's own output is untouched
    assert verdicts(ok)[("run", "peak")][0] == "ok"
    assert verdicts(ok)[("run", "no")] == ("ok", "no likely leaks")
    over = check("--python", MAIN_PYTHON, "--max-peak", "100MB", BUDGETS, "--scale", "2")
    assert over.returncode == 1
    mark, text = verdicts(over)[("run", "peak")]
    assert mark == "FAIL" and "held by" in text and "budgets.py:%d build_features" % FEATURES in text


def test_a_failing_program_is_status_3(tmp_path):
    junit = tmp_path / "out.xml"
    res = check("--python", MAIN_PYTHON, "--max-peak", "1GB", "--junit", junit, BUDGETS, "--exit", "4")
    assert res.returncode == 3, res.stdout + res.stderr
    assert "the program failed: exit status 4" in res.stderr
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("errors") == "1"
    assert "exit status 4" in suite.find("testcase/error").get("message")


def test_repeat_judges_the_median_or_the_worst(tmp_path):
    budget = ["--python", MAIN_PYTHON, "--repeat", "3", "--max-peak", "nth_run=100MB"]
    # nth_run keeps 40, 80, then 120 MB
    median = check(*budget, BUDGETS, "--counter", tmp_path / "n1")
    assert median.returncode == 0, median.stdout + median.stderr
    assert "3 runs, each figure's median" in median.stdout
    assert verdicts(median)[("function nth_run", "peak")] == ("ok", "peak 80MB <= 100MB (-20.0%)")
    assert (tmp_path / "n1").read_text() == "3"
    worst = check(*budget, "--worst", BUDGETS, "--counter", tmp_path / "n2")
    assert worst.returncode == 1, worst.stdout + worst.stderr
    mark, text = verdicts(worst)[("function nth_run", "peak")]
    assert mark == "FAIL" and text.startswith("peak 120MB > 100MB (+20.0%) held by"), text


def test_relative_budgets_against_a_baseline(saved, tmp_path):
    base, p = saved
    bigger = tmp_path / "bigger.json"
    run_profile(bigger, "--scale", "2")
    # the same program against itself: within 10%
    rel = write(tmp_path, "rel.toml", '[run]\nmax_peak = "+10%"\n[function."build_features"]\nmax_peak = "+10%"\n')
    same = check("--baseline", base, "--budget", rel, base)
    assert same.returncode == 0, same.stdout
    assert "baseline" in verdicts(same)[("run", "peak")][1]
    grown = check("--baseline", base, "--budget", rel, bigger)
    assert grown.returncode == 1, grown.stdout
    mark, text = verdicts(grown)[("function build_features", "peak")]
    # 120 MB against a limit of 60 MB + 10%
    assert mark == "FAIL" and "120MB > 66MB (+81.8%; baseline 60MB +10%)" in text, text
    growth = check("--baseline", base, "--max-growth", "10%", bigger)
    assert growth.returncode == 1 and verdicts(growth)[("run", "peak")][0] == "FAIL"
    assert {k[1] for k in verdicts(growth)} == {"peak", "time", "cpu"}


@pytest.mark.skipif(SANITIZED, reason="the sanitizers' own memory does not fit the example's budget")
def test_the_example_budget_holds():
    """README's example: examples/budget.toml on examples/demo.py."""
    res = check("--python", MAIN_PYTHON, "--strict", "--budget", os.path.join(ROOT, "examples", "budget.toml"),
                "examples/demo.py", cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "7 budgets: 7 held, 0 failed" in res.stdout


def test_junit_escapes_names(saved, tmp_path):
    """A name that is not UTF-8, with markup and a control character, still
    makes valid XML."""
    path, _ = saved
    junit = tmp_path / "out.xml"
    res = subprocess.run([FOOTPRINT.encode(), b"check", b"--junit", str(junit).encode(), b"--max-peak",
                          b"caf\xe9 <&> \x01=1MB", str(path).encode()], capture_output=True, timeout=60)
    assert res.returncode == 0, res.stderr
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case.get("classname") == "function caf\ufffd <&> ?" and case.find("skipped") is not None


# ---- JUnit ----

def test_junit_is_valid_and_reads_back(saved, tmp_path):
    path, p = saved
    junit = tmp_path / "out.xml"
    budget = write(tmp_path, "b.toml", """
[run]
max_peak = "40MB"
max_time = "10min"
[function."build_features"]
max_peak = "1GB"
[function."<no such & function>"]
max_peak = "1MB"
""")
    res = check("--budget", budget, "--junit", junit, path)
    assert res.returncode == 1
    if shutil.which("xmllint"):
        lint = subprocess.run(["xmllint", "--noout", "--schema", XSD, str(junit)], capture_output=True, text=True)
        assert lint.returncode == 0, lint.stderr
    else:
        pytest.importorskip("lxml")
        from lxml import etree
        etree.XMLSchema(etree.parse(XSD)).assertValid(etree.parse(str(junit)))
    root = ET.parse(junit).getroot()
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("4", "1", "0", "1")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("run", "max_peak 40MB"), ("run", "max_time 10min"), ("function build_features", "max_peak 1GB"),
        ("function <no such & function>", "max_peak 1MB")]
    failure = cases[0].find("failure")
    assert failure.get("message").startswith("peak ") and "> 40MB" in failure.get("message")
    assert "budgets.py:%d build_features" % FEATURES in failure.text
    assert cases[1].find("failure") is None and cases[2].find("failure") is None
    assert "is not in the profile" in cases[3].find("skipped").get("message")


# ---- bad input ----

@pytest.mark.parametrize("text,words", [
    ('[run]\nmax_peek = "1GB"\n', ["line 2", "unknown key 'max_peek'"]),
    ('[run]\nmax_peak = "512XB"\n', ["line 2", "not a size", "512XB"]),
    ('[run]\nmax_time = "30"\n', ["line 2", "not a time"]),
    ('[run]\nmax_peak = 512\n', ["line 2", "string with its unit"]),
    ('[run]\nno_leaks = "yes"\n', ["line 2", "true or false"]),
    ('[runs]\nmax_peak = "1GB"\n', ["line 2", "unknown table 'runs'"]),
    ('[import."numpy"]\nmax_peak = "1GB"\n', ["line 2", "does not apply to an import"]),
    ('[function]\nmax_peak = "1GB"\n', ["needs a name"]),
    ('[run]\nmax_peak = 512MB\n', ["not valid TOML", "line 2"]),
    ('', ["sets no budget"]),
])
def test_bad_budget_files(saved, tmp_path, text, words):
    path, _ = saved
    one_line_error(check("--budget", write(tmp_path, "b.toml", text), path), *words)


@pytest.mark.parametrize("args,words", [
    ([], ["no budget"]),
    (["--budget", "/no/such/budget.toml"], ["cannot read budget file", "No such file"]),
    (["--max-peak", "lots"], ["--max-peak", "not a size"]),
    (["--max-alloc", "=1MB"], ["name is missing"]),
    (["--max-peak", "+10%"], ["needs --baseline"]),
    (["--max-peak", "1GB", "--baseline", "BASE"], ["no limit is relative"]),
    (["--max-growth", "ten"], ["--max-growth"]),
    (["--max-peak", "1GB", "--repeat", "0"], ["--repeat"]),
    (["--max-peak", "1GB", "--worst"], ["--worst"]),
    (["--max-peak", "1GB", "--cpu-only"], ["--cpu-only"]),
    (["--no-leaks-allowed", "--no-leaks"], ["--no-leaks"]),
    (["--max-peak", "1GB", "--bogus"], ["unknown option", "--bogus"]),
    (["--max-peak", "1GB", "--junit", "/no/such/dir/x.xml"], ["--junit"]),
])
def test_bad_options(saved, args, words):
    path, _ = saved
    args = [str(path) if a == "BASE" else a for a in args]
    one_line_error(check(*args, path), *words)


def test_bad_profiles_and_programs(tmp_path):
    one_line_error(check("--max-peak", "1GB", write(tmp_path, "x.json", "not json")), "not JSON")
    one_line_error(check("--max-peak", "1GB", tmp_path / "none.json"), "cannot read profile")
    one_line_error(check("--max-peak", "1GB", tmp_path / "none.py"), "no such script")
    one_line_error(check("--max-peak", "1GB"), "wants a program or a profile")


def test_unknown_function_warns_unless_strict(saved, tmp_path):
    path, _ = saved
    budget = write(tmp_path, "b.toml", '[function."no_such_function"]\nmax_peak = "1MB"\n')
    warn = check("--budget", budget, path)
    assert warn.returncode == 0
    assert "warning: function no_such_function: function 'no_such_function' is not in the profile" in warn.stderr
    strict = check("--strict", "--budget", budget, path)
    assert strict.returncode == 2 and len(strict.stderr.strip().splitlines()) == 1


def test_help():
    res = check("--help")
    assert res.returncode == 0 and "usage: footprint check" in res.stdout and "--junit" in res.stdout
    top = subprocess.run([FOOTPRINT, "--help"], capture_output=True, text=True)
    assert "footprint check" in top.stdout
