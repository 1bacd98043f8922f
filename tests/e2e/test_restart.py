"""The agent started, stopped and started again in one process (the Python
API, notebook cells and the service will do that): each start gives a
profile of its own, with nothing of the other's in it.

The program drives the agent module itself, with the environment the
launcher would give it, and the fragments are read as the agent left them.
"""
import glob
import json
import os
import subprocess
import sys

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, _agent_root, _probe

MB = 1_000_000

PROGRAM = r'''
import os, sys, time
sys.path.insert(0, os.environ["AGENT_DIR"])
import _footprint
del sys.path[0]

def first_part():
    scratch = [bytes(100) for _ in range(200_000)]   # about 28 MB, freed in the first profile
    del scratch
    end = time.thread_time() + 0.4
    while time.thread_time() < end:
        i = 0  # Python work between clock reads (each a system call), allocating nothing
        while i < 200:
            i += 1

def second_part():
    keep = [bytes(100) for _ in range(120_000)]      # about 17 MB, the second profile's, kept
    end = time.thread_time() + 0.4
    while time.thread_time() < end:
        i = 0  # Python work between clock reads (each a system call), allocating nothing
        while i < 200:
            i += 1
    return keep

def no_spans(path):
    return []

assert _footprint.start(no_spans) is True
assert _footprint.start(no_spans) is False   # already running
first_part()
_footprint.stop()
time.sleep(0.05)                             # a pause no profile sees
assert _footprint.start(no_spans) is True
kept = second_part()
_footprint.stop()
print("done")
'''


def _fragments(run_dir):
    out = []
    for path in glob.glob(os.path.join(run_dir, "*.json")):
        with open(path) as f:
            out.append(json.load(f))
    return sorted(out, key=lambda f: f["start_unix_s"])


def _line_figures(fragment, path):
    """{line: [figures]} of PATH in FRAGMENT."""
    for f in fragment["files"]:
        if f["path"] == path:
            return {l[0]: l[1:9] for l in f["lines"]}
    return {}


def _lines_of(source, name):
    """The line numbers of function NAME's body in SOURCE."""
    lines = source.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("def %s(" % name))
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    return set(range(start + 2, end + 1))


def test_start_stop_start_gives_two_clean_profiles(tmp_path):
    info = _probe(MAIN_PYTHON)
    agent_dir = os.path.join(_agent_root(), info[2]) if info else ""
    if not glob.glob(os.path.join(agent_dir, "_footprint*.so")):
        pytest.skip("no agent built for %s" % MAIN_PYTHON)
    prog = tmp_path / "restart.py"
    prog.write_text(PROGRAM)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    lib = os.path.join(os.path.dirname(FOOTPRINT), "lib", "footprint", "libfootprint_alloc.so")
    preload = [p for p in os.environ.get("LD_PRELOAD", "").split(":") if p] + [lib]  # a sanitizer's first
    env = dict(os.environ, AGENT_DIR=agent_dir, FOOTPRINT_RUN_DIR=str(run_dir), FOOTPRINT_MEMORY="1",
               FOOTPRINT_PROGRAM_DIR=str(tmp_path), FOOTPRINT_LEAKS="1", LD_PRELOAD=":".join(preload))
    proc = subprocess.run([MAIN_PYTHON, str(prog)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "done\n", proc.stderr

    first, second = _fragments(str(run_dir))  # exactly two, one per start
    assert first["final"] and second["final"]
    assert first["pid"] == second["pid"] == first["pid"]
    assert second["start_unix_s"] >= first["start_unix_s"] + first["elapsed_s"] + 0.04  # the pause is in neither

    source = PROGRAM
    first_lines, second_lines = _lines_of(source, "first_part"), _lines_of(source, "second_part")
    a, b = _line_figures(first, str(prog)), _line_figures(second, str(prog))
    cpu = lambda figs, lines: sum(figs[l][0] + figs[l][1] for l in lines if l in figs)
    alloc = lambda figs, lines: sum(figs[l][3] for l in lines if l in figs)
    # each profile has its own part's time and memory, and none of the other's
    # 0.4 s spinning, the list, and on a loaded machine any wait for a CPU
    assert 0.3 < cpu(a, first_lines) < 5, a
    assert 0.3 < cpu(b, second_lines) < 5, b
    assert cpu(a, second_lines) == 0 and alloc(a, second_lines) == 0, a
    assert cpu(b, first_lines) == 0 and alloc(b, first_lines) == 0, b
    assert 22 * MB < alloc(a, first_lines) < 35 * MB, a
    assert 13 * MB < alloc(b, second_lines) < 22 * MB, b
    # the totals too: the second start's count only what came after it
    # (the first part allocates about 1.6 times what the second does)
    assert 13 * MB < second["memory"]["alloc_bytes"] < first["memory"]["alloc_bytes"], (first, second)
    assert second["elapsed_s"] < first["elapsed_s"] + 10
    assert second["leaks"] == [] and first["leaks"] == []
