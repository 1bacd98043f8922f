"""End-to-end tests: real programs under the real footprint binary.

FOOTPRINT names the binary (default: build/footprint). The interpreters
tested are /usr/bin/python3 (the main target, with numpy) and every
CPython 3.9 to 3.13 found under ~/.pyenv/versions that has an agent built
(`make test` builds them); the session header says which were skipped.
FOOTPRINT_TEST_PYTHONS=main limits the run to /usr/bin/python3.
"""
import glob
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FOOTPRINT = os.path.abspath(os.environ.get("FOOTPRINT", os.path.join(ROOT, "build", "footprint")))
PROGRAMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "programs")
MAIN_PYTHON = "/usr/bin/python3"


def _probe(python):
    try:
        out = subprocess.run([python, "-I", "-S", os.path.join(ROOT, "src", "boot", "probe.py")],
                             capture_output=True, text=True, timeout=30).stdout.split()
        return int(out[0]), int(out[1]), out[4]
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
        return None


def _agent_root():
    return os.path.join(os.path.dirname(FOOTPRINT), "lib", "footprint", "agents")


def find_interpreters():
    """[(label, path)] usable here, and [(path, why)] skipped."""
    found, skipped = [], []
    candidates = [MAIN_PYTHON]
    if os.environ.get("FOOTPRINT_TEST_PYTHONS", "all") == "all":
        candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
    seen = set()
    for py in candidates:
        info = _probe(py) if os.path.exists(py) else None
        if info is None:
            skipped.append((py, "not found or not Python"))
            continue
        major, minor, key = info
        if (major, minor) < (3, 9) or (major, minor) > (3, 13):
            skipped.append((py, "Python %d.%d is not supported" % (major, minor)))
            continue
        if key in seen:
            continue
        seen.add(key)
        if not glob.glob(os.path.join(_agent_root(), key, "_footprint*.so")):
            skipped.append((py, "no agent built (make PYTHON=%s)" % py))
            continue
        found.append(("%d.%d-%s" % (major, minor, "debian" if py == MAIN_PYTHON else "pyenv"), py))
    return found, skipped


INTERPRETERS, SKIPPED = find_interpreters()

# Under the sanitizer run the ASan runtime is preloaded first, so its
# malloc, not footprint's interposer, sees native allocations.
SANITIZED = os.environ.get("FOOTPRINT_TEST_SANITIZED") == "1"
needs_interposer = pytest.mark.skipif(SANITIZED, reason="the sanitizer's allocator hides native allocations")


def _interpreter_lines():
    lines = ["footprint: %s" % FOOTPRINT,
             "interpreters tested: %s" % ", ".join(label for label, _ in INTERPRETERS)]
    for py, why in SKIPPED:
        lines.append("interpreter skipped: %s (%s)" % (py, why))
    return lines


def pytest_report_header(config):
    return _interpreter_lines()


def pytest_terminal_summary(terminalreporter):
    """Said even under -q: which interpreters were tested, which skipped."""
    for line in _interpreter_lines():
        terminalreporter.write_line(line)


def has_numpy(python):
    return subprocess.run([python, "-c", "import numpy"], capture_output=True).returncode == 0


class Run:
    """One finished footprint run: its process result and its profile."""

    def __init__(self, proc, profile_path):
        self.proc = proc
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.profile = None
        if profile_path and os.path.exists(profile_path):
            with open(profile_path) as f:
                self.profile = json.load(f)

    def lines(self, basename):
        """{line number: line entry} of the profiled file named BASENAME."""
        for f in (self.profile or {}).get("files", []):
            if os.path.basename(f["path"]) == basename:
                return {l["line"]: l for l in f["lines"]}
        return {}

    def function(self, basename, name):
        for f in (self.profile or {}).get("files", []):
            if os.path.basename(f["path"]) == basename:
                for fn in f["functions"]:
                    if fn["name"] == name:
                        return fn
        return None


def total_time(entry):
    return entry["cpu_python_s"] + entry["cpu_native_s"] + entry["system_s"]


@pytest.fixture
def footprint(tmp_path):
    """footprint(args, python=..., json=True, **subprocess kwargs) -> Run."""

    def run(args, python=MAIN_PYTHON, json_out=True, options=(), timeout=120, **kw):
        profile = str(tmp_path / "profile.json") if json_out else None
        cmd = [FOOTPRINT, "run", "--python", python]
        if profile:
            cmd += ["--json", profile]
        cmd += list(options) + list(args)
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        proc = subprocess.run(cmd, timeout=timeout, **kw)
        return Run(proc, profile)

    return run


@pytest.fixture(params=[label for label, _ in INTERPRETERS] or ["none"])
def python(request):
    """Each interpreter found, in turn."""
    if request.param == "none":
        pytest.skip("no interpreter with an agent")
    return dict(INTERPRETERS)[request.param]


# Files that are not profiles, and the words of the one-line error each gets.
BAD_PROFILES = [
    ("", "empty"),
    ('{"format": "footprint-profile", "version": 1, "files": [', "cut short"),
    ("not json at all", "not JSON"),
    ('{"hello": 1}', 'no "format" field'),
    ('{"format": "footprint-profile", "version": 99}', "newer footprint"),
    ("[1, 2]", "not a footprint profile"),
    ('{"format": "footprint-profile", "version": 1, "elapsed_s": 1, "cpu_s": 1, "files": [{"path": 3}]}', "no path"),
]


def program(name):
    return os.path.join(PROGRAMS, name)


def shared_library(tmp_path_factory, source, *flags):
    """The C program SOURCE (in programs/) compiled as a shared library
    with FLAGS for this run; its path."""
    out = str(tmp_path_factory.mktemp("native") / ("lib" + os.path.splitext(source)[0] + ".so"))
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O1", *flags, "-o", out, program(source)],
                   check=True)
    return out
