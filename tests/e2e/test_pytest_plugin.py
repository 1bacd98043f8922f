"""The pytest plugin (footprint.pytest_plugin), run by pytest's own
pytester on test files with footprint markers: tests within their
limits pass; tests over their peak, allocation and time limits and a
leaking test fail with `footprint check`'s verdict naming the line
responsible and its sampling; --footprint-report and
--footprint-html; a bad marker fails its test; pytest-xdist is a usage
error. The
main interpreter only (pytester runs pytest with it)."""
import os
import re

import pytest

from conftest import FOOTPRINT, needs_interposer

pytest_plugins = ["pytester"]

BUILD_PYTHON = os.path.join(os.path.dirname(FOOTPRINT), "python")
MB = 1_000_000

BUDGETS = '''\
import time
import pytest
keep = []

def test_unmarked():
    assert sum(range(1000)) == 499500

@pytest.mark.footprint(max_peak="10MB")
def test_over_peak():
    data = [bytearray(1 << 20) for _ in range(40)]  # line 10: 41.9 MB held
    assert len(data) == 40

@pytest.mark.footprint(max_peak="150MB", max_alloc="150MB", max_time="30s", no_leaks=True)
def test_within():
    data = [bytearray(1 << 20) for _ in range(10)]
    assert len(data) == 10

@pytest.mark.footprint(max_alloc="5MB")
def test_over_alloc():
    for _ in range(30):
        b = bytes(1 << 20)  # line 21: 31.5 MB allocated, freed at once

@pytest.mark.footprint(max_time="200ms")
def test_over_time():
    t = time.monotonic()
    while time.monotonic() - t < 0.8:  # line 26: 0.8 s busy
        pass

@pytest.mark.footprint(no_leaks=True)
def test_leaks():
    for _ in range(100):
        keep.append(bytearray(256 << 10))  # line 32: grows steadily, never freed
        time.sleep(0.01)
'''


@pytest.fixture
def run(pytester, monkeypatch):
    """Runs pytest with the plugin in a fresh interpreter (the agent is
    loaded there, not in this test run)."""
    monkeypatch.setenv("PYTHONPATH", BUILD_PYTHON)
    for name in [n for n in os.environ if n.startswith("FOOTPRINT_")]:
        monkeypatch.delenv(name)
    preload = ":".join(p for p in os.environ.get("LD_PRELOAD", "").split(":") if p and "footprint" not in p)
    monkeypatch.setenv("LD_PRELOAD", preload)

    def go(*args):
        return pytester.runpytest_subprocess("-p", "footprint.pytest_plugin", "-p", "no:cacheprovider", *args,
                                             timeout=300)

    return go


def failure(result, test):
    """The failure text of TEST in the run's output."""
    text = result.stdout.str()
    m = re.search(r"_+ %s _+\n(.*?)(?=\n_{5,} |\n=+ )" % test, text, re.S)
    assert m, text
    return m.group(1)


def figure(text, pattern):
    """A size or time of a verdict line, in bytes or seconds."""
    m = re.search("FAIL  run: " + pattern + r" ([\d.]+)(B|KB|MB|GB|us|ms|s)\b", text)
    assert m, text
    scale = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "us": 1e-6, "ms": 1e-3, "s": 1}
    return float(m.group(1)) * scale[m.group(2)]


@needs_interposer
def test_markers_pass_and_fail_with_the_lines(run, pytester, tmp_path):
    pytester.makepyfile(test_budgets=BUDGETS)
    html = tmp_path / "html"
    result = run("--footprint-report", "--footprint-html", str(html))
    result.assert_outcomes(passed=2, failed=4)
    result.stdout.fnmatch_lines(["FAILED test_budgets.py::test_over_peak*", "FAILED test_budgets.py::test_over_alloc*",
                                 "FAILED test_budgets.py::test_over_time*", "FAILED test_budgets.py::test_leaks*"])

    peak = failure(result, "test_over_peak")
    assert "FAIL  run: peak" in peak and "held by test_budgets.py:10 test_over_peak" in peak, peak
    assert 30 * MB <= figure(peak, "peak") <= 60 * MB, peak  # the test's own rise, not pytest's
    assert "measured, not sampled" in peak and "about once per 16.4KB allocated" in peak, peak

    alloc = failure(result, "test_over_alloc")
    assert "allocated by test_budgets.py:21 test_over_alloc" in alloc, alloc
    assert abs(figure(alloc, "alloc") - 31.5 * MB) <= 0.1 * 31.5 * MB, alloc

    slow = failure(result, "test_over_time")
    assert "mostly at test_budgets.py:26 test_over_time" in slow, slow
    assert figure(slow, "time") >= 0.75, slow
    assert "every 10ms" in slow, slow

    leaks = failure(result, "test_leaks")
    assert "likely leak" in leaks and "test_budgets.py:32 test_leaks" in leaks, leaks

    # the report: heaviest by peak first, slowest by time first
    text = result.stdout.str()
    by_peak = text[text.index("by peak"):text.index("by time")]
    assert by_peak.splitlines()[1].endswith("test_budgets.py::test_over_peak"), by_peak
    by_time = text[text.index("by time"):].splitlines()
    assert any(by_time[1].endswith(t) for t in ("::test_leaks", "::test_over_time", "::test_over_peak")), by_time
    assert "test_budgets.py::test_unmarked" in text  # --footprint-report profiles every test
    # one page per test
    pages = sorted(os.listdir(str(html)))
    assert len(pages) == 6 and all(p.startswith("test_budgets.py_") and p.endswith(".html") for p in pages), pages
    with open(os.path.join(str(html), "test_budgets.py_test_over_peak.html")) as f:
        assert f.read(15).lower().startswith("<!doctype html")


def test_bad_markers_fail_and_xdist_is_a_usage_error(run, pytester):
    pytester.makepyfile(test_bad='''
import pytest
@pytest.mark.footprint(max_memory="1MB")
def test_unknown_key():
    pass
''')
    result = run("test_bad.py")
    result.assert_outcomes(failed=1)
    assert "unknown footprint marker keyword max_memory" in result.stdout.str(), result.stdout.str()
    pytester.makepyfile(test_badunit='''
import pytest
@pytest.mark.footprint(max_peak="12 parsecs")
def test_bad_unit():
    pass
''')
    result = run("test_badunit.py")
    result.assert_outcomes(failed=1)
    assert "footprint check could not judge" in result.stdout.str(), result.stdout.str()
    # pytest-xdist's -n (not installed here: a conftest stands in for its option)
    pytester.makeconftest('def pytest_addoption(parser):\n    parser.getgroup("xdist")._addoption("-n", dest="numprocesses")\n')
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = run("--footprint", "-n", "2", "test_plain.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "does not support pytest-xdist (-n)" in result.stderr.str(), result.stderr.str()
    result = run("--footprint", "-n", "0", "test_plain.py")
    result.assert_outcomes(passed=1)


def test_marked_test_is_judged_without_the_option(run, pytester):
    """A marker is a gate with or without --footprint."""
    pytester.makepyfile(test_gate='''
import time, pytest
@pytest.mark.footprint(max_time="50ms")
def test_slow():
    t = time.monotonic()
    while time.monotonic() - t < 0.5:
        pass
''')
    result = run()
    result.assert_outcomes(failed=1)
    assert "mostly at test_gate.py:" in result.stdout.str()
