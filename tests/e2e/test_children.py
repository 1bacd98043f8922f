"""Child processes are profiled and merged, and never hang the run."""
import os
import time

import pytest

from conftest import program, total_time

MB = 1_000_000


def task_walls(path, tasks):
    """The summed wall time of the TASKS child_work calls (children.py)."""
    walls = [float(w) for w in path.read_text().split()]
    assert len(walls) == tasks, walls
    return sum(walls)


def child_figures(run):
    fn = run.function("children.py", "child_work")
    assert fn is not None, run.stderr
    return fn


@pytest.mark.parametrize("mode,children", [
    ("fork", 1), ("mp_fork", 2), ("mp_spawn", 2), ("mp_forkserver", 2), ("executor", 2), ("subprocess", 1),
])
def test_work_in_children_lands_on_the_childs_lines(footprint, python, mode, children, tmp_path):
    walls = tmp_path / "walls"
    run = footprint([program("children.py"), mode], python=python, timeout=120,
                    env=dict(os.environ, CHILD_WALLS=str(walls)))
    assert run.returncode == 0, run.stderr
    fn = child_figures(run)
    tasks = {"fork": 1, "subprocess": 1, "executor": 2}.get(mode, 4)
    # each task: 0.3 s of Python (longer on a loaded machine: all of its
    # wall time is its own, running or runnable), 20 MB allocated
    wall = task_walls(walls, tasks)
    assert 0.3 * tasks * 0.8 < total_time(fn) < wall * 1.15 + 0.05, (fn, wall, run.profile["processes"], run.stderr)
    assert fn["cpu_python_s"] > 0.3 * tasks * 0.6
    assert abs(fn["alloc_bytes"] - 20 * MB * tasks) < 0.05 * 20 * MB * tasks, fn
    procs = run.profile["processes"]
    main = procs[0]
    assert main["argv"][-1] == mode
    assert len(procs) >= 1 + children
    assert any(p["parent_pid"] == main["pid"] for p in procs[1:])


def test_a_child_freeing_its_parents_memory(footprint, python):
    # the child shrinks (realloc), on the line that made it, a block its
    # parent made: that is not the child's own scratch memory to net out
    run = footprint([program("children.py"), "fork_on_one_line"], python=python)
    assert run.returncode == 0, run.stderr
    assert "skipping" not in run.stderr
    assert len(run.profile["processes"]) == 2
    assert total_time(child_figures(run)) > 0.2
    for f in run.profile["files"]:
        for l in f["lines"]:
            assert l["alloc_bytes"] < 100 * MB, l  # nothing wrapped around below zero


def test_exec_keeps_the_work_before_and_after(footprint, tmp_path):
    walls = tmp_path / "walls"
    run = footprint([program("children.py"), "exec"], env=dict(os.environ, CHILD_WALLS=str(walls)))
    assert run.returncode == 0, run.stderr
    assert "worked in" in run.stdout
    fn = child_figures(run)
    # 0.3 s before the exec and 0.3 s after (longer when loaded)
    wall = task_walls(walls, 2)
    assert 0.45 < total_time(fn) < wall * 1.15 + 0.05, (fn, wall)
    pids = [p["pid"] for p in run.profile["processes"]]
    assert len(pids) == 2 and pids[0] == pids[1]


@pytest.mark.parametrize("how,code", [("crash", -6), ("killed", -9), ("os_exit", 3)])
def test_failing_children_still_count(footprint, how, code):
    start = time.monotonic()
    run = footprint([program("children.py"), how], timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "child ended %d" % code
    assert time.monotonic() - start < 15
    fn = child_figures(run)
    if how == "os_exit":
        assert total_time(fn) > 0.2
    else:  # killed before a final word: figures up to its last snapshot
        assert fn["alloc_bytes"] >= 19 * MB


def test_an_orphan_does_not_hold_the_run(footprint):
    start = time.monotonic()
    run = footprint([program("children.py"), "orphan"], timeout=60)
    assert run.returncode == 0
    assert time.monotonic() - start < 10
    assert child_figures(run)["alloc_bytes"] >= 19 * MB


def test_pool_terminate(footprint):
    start = time.monotonic()
    run = footprint([program("children.py"), "terminate"], timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "terminated"
    assert time.monotonic() - start < 15
    assert len(run.profile["processes"]) >= 3


def test_no_children(footprint):
    run = footprint([program("children.py"), "mp_fork"], options=["--no-children"])
    assert run.returncode == 0, run.stderr
    assert len(run.profile["processes"]) == 1
    fn = run.function("children.py", "child_work")
    assert fn is None or total_time(fn) == 0
    env = footprint([program("children.py"), "env"], options=["--no-children"])
    # the program's own LD_PRELOAD (none, or the sanitizer's), and no footprint variable
    assert env.stdout.strip() == "%s none" % (os.environ.get("LD_PRELOAD") or "none")
