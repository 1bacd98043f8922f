"""footprint's pytest plugin: memory and time budgets for tests.

    pytest --footprint                       # profile every test
    @pytest.mark.footprint(max_peak="100MB", max_alloc="50MB",
                           max_time="2s", no_leaks=True)
    pytest --footprint-report                # heaviest tests at the end
    pytest --footprint-html DIR              # one HTML report per test

Installed (pip), it registers itself through a `pytest11` entry point;
from a build, `PYTHONPATH=build/python pytest -p footprint.pytest_plugin`.

Each test's call (not its fixtures' setup and teardown) is a region of
footprint's Python API. A marked test is always profiled and judged, with
or without --footprint: a budget is a test, and a test that silently does
not run is no gate. The judging is `footprint check`'s own: the region's
profile is saved to a temporary file and the launcher's `check` judges it
with the marker's limits as its options (--max-peak, ...), so a failure
reads exactly as `footprint check` prints it (figure, limit, margin, the
lines responsible). The figures judged are measured, not sampled; the
failure states the sampling error of the lines it names.

A test's peak is its own: how far the process's memory rose above what it
used when the test's call began (pytest and earlier tests are not the
test's). pytest-xdist is not supported: with -n the plugin stops with a
usage error, or, on a worker, fails a marked test saying so.
"""
import json
import math
import os
import re
import subprocess
import tempfile

import pytest

from . import _native
from .api import FootprintError, start, stop

_LIMITS = {"max_peak": "--max-peak", "max_alloc": "--max-alloc", "max_time": "--max-time",
           "max_cpu": "--max-cpu"}
_MARKER = ("footprint(max_peak=None, max_alloc=None, max_time=None, max_cpu=None, no_leaks=False): "
           "fail the test when its call goes over these limits (sizes like '100MB', times like '2s'), "
           "as `footprint check` judges them")
_XDIST = "footprint's pytest plugin does not support pytest-xdist (-n): run the profiled tests without -n"


def pytest_addoption(parser):
    group = parser.getgroup("footprint", "footprint (memory and time profiling of tests)")
    group.addoption("--footprint", action="store_true", default=False,
                    help="profile every test's call with footprint")
    group.addoption("--footprint-report", action="store_true", default=False,
                    help="list the heaviest tests by peak and by time at the end (implies --footprint)")
    group.addoption("--footprint-html", metavar="DIR", default=None,
                    help="write one footprint HTML report per test into DIR (implies --footprint)")


def pytest_configure(config):
    config.addinivalue_line("markers", _MARKER)
    wanted = (config.getoption("footprint") or config.getoption("footprint_report")
              or config.getoption("footprint_html"))
    if wanted and (_xdist_workers(config) or hasattr(config, "workerinput")):
        raise pytest.UsageError(_XDIST)
    config.pluginmanager.register(_Session(config, bool(wanted)), "footprint-session")


def _xdist_workers(config):
    """pytest-xdist's -n N (0 when absent or -n 0)."""
    n = getattr(config.option, "numprocesses", None)
    try:
        return int(n or 0)
    except (TypeError, ValueError):
        return 1  # "auto", "logical"


def _limits(item):
    """The options `footprint check` judges the test with, from its
    marker(s) (the closest marker wins per key), or None when unmarked."""
    markers = list(item.iter_markers("footprint"))
    if not markers:
        return None
    kwargs = {}
    for m in reversed(markers):  # outermost first, the test's own last
        if m.args:
            raise ValueError("footprint's marker takes keywords only (max_peak=..., ...)")
        kwargs.update(m.kwargs)
    unknown = sorted(set(kwargs) - set(_LIMITS) - {"no_leaks"})
    if unknown:
        raise ValueError("unknown footprint marker keyword%s %s (known: %s, no_leaks)"
                         % ("s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(_LIMITS)))
    options = []
    for key, flag in _LIMITS.items():
        if kwargs.get(key) is not None:
            options += [flag, _limit_text(key, kwargs[key])]
    if kwargs.get("no_leaks"):
        options.append("--no-leaks-allowed")
    return options


def _limit_text(key, value):
    """A limit as `check` reads it: strings as given, numbers in bytes or seconds."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("footprint marker: %s wants a string like '100MB' or '2s' or a number, not %r"
                         % (key, value))
    if isinstance(value, str):
        return value
    return "%dB" % value if key in ("max_peak", "max_alloc") else "%gs" % value


class _Session:
    """The plugin's state for one pytest session: what it profiled."""

    def __init__(self, config, profile_all_tests):
        self.config = config
        self.all = profile_all_tests
        self.html_dir = config.getoption("footprint_html")
        self.results = []  # (nodeid, peak rise bytes, elapsed s, cpu s)
        self.root = str(config.rootpath) if hasattr(config, "rootpath") else str(config.rootdir)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        item._footprint = None
        try:
            limits = _limits(item)
        except ValueError as e:  # a bad marker fails its test (which runs, unprofiled)
            item._footprint = ("error", str(e))
            yield
            return
        if limits is None and not self.all:
            yield
            return
        if limits is not None and hasattr(item.config, "workerinput"):
            item._footprint = ("error", _XDIST)
            yield
            return
        try:
            # the tests' own tree is the program (pytest's is not)
            start(include=(os.path.join(self.root, "*"),))
        except FootprintError as e:
            # a budget that cannot be judged fails; a test profiled for the report only warns
            item._footprint = ("error" if limits is not None else "warn",
                               "footprint could not profile this test: %s" % e)
            yield
            return
        try:
            yield
        finally:
            try:
                profile = stop()
            except FootprintError as e:
                item._footprint = ("error", "footprint could not profile this test: %s" % e)
            else:
                item._footprint = ("profile", profile, limits)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        got = getattr(item, "_footprint", None)
        if call.when != "call" or got is None:
            return
        item._footprint = None
        if got[0] == "warn":
            item.warn(pytest.PytestWarning(got[1]))
            return
        if got[0] == "error":
            if report.passed:
                _fail(report, got[1])
            return
        profile, limits = got[1], got[2]
        self._record(item, profile)
        if limits is not None and report.passed:
            failure = _judge(profile, limits)
            if failure:
                _fail(report, failure)

    def _record(self, item, profile):
        peak = profile.peak_above_start_bytes
        self.results.append((item.nodeid, peak, profile.elapsed_s, profile.cpu_s))
        if self.html_dir:
            os.makedirs(self.html_dir, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_")[:200] or "test"
            profile.save_html(os.path.join(self.html_dir, name + ".html"))

    def pytest_terminal_summary(self, terminalreporter):
        if not self.config.getoption("footprint_report") or not self.results:
            return
        tr = terminalreporter
        tr.write_sep("=", "footprint: heaviest tests")
        with_peak = [r for r in self.results if r[1] is not None]
        if with_peak:
            tr.write_line("by peak (memory the test's call added at its highest):")
            for nodeid, peak, elapsed, _ in sorted(with_peak, key=lambda r: -r[1])[:10]:
                tr.write_line("  %10s  %s" % (_size(peak), nodeid))
        tr.write_line("by time (elapsed; CPU):")
        for nodeid, _, elapsed, cpu in sorted(self.results, key=lambda r: -r[2])[:10]:
            tr.write_line("  %9.3fs %9.3fs  %s" % (elapsed, cpu, nodeid))


def _fail(report, text):
    report.outcome = "failed"
    report.longrepr = text


def _judge(profile, limits):
    """`footprint check`'s verdict on the test's profile: None when every
    limit holds, else the failure text (its verdict lines, and the
    sampling error)."""
    data = json.loads(json.dumps(profile.data))
    memory = data.get("memory")
    if memory and profile.peak_above_start_bytes is not None:
        memory["peak_bytes"] = profile.peak_above_start_bytes  # the test's own peak
    with tempfile.TemporaryDirectory(prefix="footprint-test-") as d:
        path = os.path.join(d, "profile.json")
        with open(path, "w") as f:
            json.dump(data, f)
        done = subprocess.run([_native.launcher(), "check"] + limits + [path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode == 0:
        return None
    if done.returncode != 1:
        return "footprint check could not judge the test's limits (%s): %s" % (
            " ".join(limits), (done.stderr.strip() or done.stdout.strip() or "exit %d" % done.returncode))
    lines = done.stdout.splitlines()
    verdicts = [line for line in lines[1:] if line.strip()]  # the first names the temporary file
    return "\n".join(["footprint: the test went over its limits (%s)" % " ".join(limits)] + verdicts
                     + [_sampling_note(data, limits)])


def _sampling_note(data, limits):
    """What is measured and what is sampled, with the sampling's error."""
    s = data.get("sampling") or {}
    mean, interval = s.get("alloc_mean_bytes"), s.get("cpu_interval_s")
    exact = s.get("alloc_exact_above_bytes")
    if not mean or not interval:
        return ""
    return ("sampling: the test's peak, time and bytes allocated are measured, not sampled (a byte or a "
            "millisecond over fails); the lines named are sampled, about once per %s allocated%s and every "
            "%gms, so a line's B bytes are good to ±2·√(B × %s) and its T seconds to ±2·√(T × %gms) "
            "(two standard errors)" % (_size(mean), " (blocks above %s exactly)" % _size(exact) if exact else "",
                                       interval * 1000, _size(mean), interval * 1000))


def _size(n):
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return ("%d%s" if unit == "B" else "%.1f%s") % (n, unit)
        n /= 1000.0
