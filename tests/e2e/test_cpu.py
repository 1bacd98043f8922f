"""CPU time: each phase gets its share of the time, as the right kind."""
import json
import os

import pytest

from conftest import program, shared_library, total_time


def shares(run, names):
    got = {n: total_time(run.function("cpu_phases.py", n)) for n in names}
    s = sum(got.values())
    return {n: v / s for n, v in got.items()}


def kind(entry, key):
    return entry[key] / total_time(entry)


def test_python_native_and_sleep_get_their_share_and_kind(footprint, python):
    run = footprint([program("cpu_phases.py")], python=python)
    assert run.returncode == 0, run.stderr
    walls = json.loads(run.stdout)["walls"]
    names = ["python_phase", "native_phase", "sleep_phase"]
    truth = {n: walls[n] / sum(walls.values()) for n in names}
    got = shares(run, names)
    for n in names:
        assert abs(got[n] - truth[n]) < 0.10, (n, got, truth)
    assert kind(run.function("cpu_phases.py", "python_phase"), "cpu_python_s") > 0.9
    assert kind(run.function("cpu_phases.py", "native_phase"), "cpu_native_s") > 0.85
    assert kind(run.function("cpu_phases.py", "sleep_phase"), "system_s") > 0.9


def test_line_figures_are_self_time_of_the_innermost_line(footprint):
    run = footprint([program("cpu_phases.py")])
    lines = run.lines("cpu_phases.py")
    src = open(program("cpu_phases.py")).read().splitlines()
    sleep_line = next(i for i, s in enumerate(src, 1) if "time.sleep(seconds)" in s)
    assert lines[sleep_line]["system_s"] > 0.5
    # the caller's line in main() does not get the callee's time again
    call_line = next(i for i, s in enumerate(src, 1) if "phase(PHASE)" in s)
    assert total_time(lines.get(call_line, {"cpu_python_s": 0, "cpu_native_s": 0, "system_s": 0})) < 0.1


def test_threads_each_get_their_own_time(footprint, python):
    run = footprint([program("threads.py")], python=python)
    assert run.returncode == 0, run.stderr
    spin = run.function("threads.py", "spin")
    wait = run.function("threads.py", "wait_on_lock")
    main = run.function("threads.py", "main")
    # two threads of 0.6 s each spin; one waits on a lock 0.6 s; main joins
    assert 0.9 < total_time(spin) < 1.6, spin
    assert spin["cpu_python_s"] > 0.4
    assert 0.45 < wait["system_s"] < 0.9, wait
    assert wait["cpu_python_s"] + wait["cpu_native_s"] < 0.05
    assert 0.45 < main["system_s"] < 0.9, main


def test_profile_totals(footprint):
    run = footprint([program("cpu_phases.py")])
    p = run.profile
    truth = json.loads(run.stdout)
    assert sum(truth["walls"].values()) < p["elapsed_s"] < 4
    # the phases are timed on the wall clock: on a busy machine they get less CPU
    assert abs(p["cpu_s"] - truth["cpu_s"]) < 0.1 * truth["cpu_s"] + 0.05, (p["cpu_s"], truth)
    assert p["cpu_s"] < p["elapsed_s"]
    # memory is profiled unless --cpu-only: the program's own peak is there
    assert p["memory"]["peak_bytes"] > 1_000_000, p["memory"]
    assert p["sampling"]["cpu_interval_s"] == 0.01
    assert p["exit_code"] == 0
    assert [q["pid"] for q in p["processes"]] and p["processes"][0]["argv"][0].endswith("cpu_phases.py")


def test_time_a_virtual_machines_host_takes_from_a_busy_line_is_not_off_cpu(footprint):
    """A thread that never blocks but loses its CPU to the host (steal
    time) is neither running nor waiting in schedstat; that time belongs
    to the line's CPU time, not to off-CPU time."""
    run = footprint([program("spin.py")])
    assert run.returncode == 0, run.stderr
    truth = json.loads(run.stdout)
    if truth["lost_s"] < 0.02:
        pytest.skip("the host took only %.0f ms from the thread here: too little to tell" % (truth["lost_s"] * 1e3))
    spin = run.function("spin.py", "spin")
    assert spin["system_s"] <= 0.25 * truth["lost_s"] + 0.005, (spin, truth)
    assert total_time(spin) > 0.9 * truth["wall_s"], (spin, truth)


@pytest.fixture(scope="session")
def native_workers_lib(tmp_path_factory):
    """The native library of native_workers.py, compiled for this run."""
    return shared_library(tmp_path_factory, "native_workers.c", "-pthread")


def test_native_worker_threads_count_for_the_line_that_called_them(footprint, python, native_workers_lib):
    """OpenMP and BLAS workers run no Python code, so they have no line of
    their own; their CPU time is the calling line's native time, whether
    they borrowed a Python thread state (as Cython's workers do) or not.
    Each call spins PHASE s of CPU on the caller's thread and on one worker."""
    run = footprint([program("native_workers.py"), native_workers_lib], python=python)
    assert run.returncode == 0, run.stderr
    truth = json.loads(run.stdout)
    for name in ("plain", "borrowed"):
        started, waited = truth[name]
        assert started == 1
        fn = run.function("native_workers.py", name)
        # 0.5 s on each of two threads, and the time they waited for a CPU
        assert 0.8 < fn["cpu_native_s"] < 1.15 + waited, (name, fn, waited)
    left = run.profile["unattributed"]
    assert left["cpu_native_s"] < 0.1, left


@pytest.mark.parametrize("mode", ["never", "unblock"])
def test_a_thread_that_blocks_every_signal_still_gets_its_cpu_time(footprint, python, mode):
    """The sample signal never reaches a thread that blocks every signal
    (as some C libraries' threads do): the sampler thread charges its CPU
    time to its line instead, whether it unblocks later or ends first."""
    run = footprint([program("blocked_signals.py"), mode], python=python)
    assert run.returncode == 0, run.stderr
    truth = json.loads(run.stdout)
    work = run.function("blocked_signals.py", "masked_work")
    assert work is not None, run.profile["unattributed"]
    busy = work["cpu_python_s"] + work["cpu_native_s"]
    # waiting for a CPU and the host's steal count with the work
    assert 0.85 * truth["cpu_s"] < busy < 1.15 * truth["cpu_s"] + truth["held_s"], (work, truth)
    assert work["system_s"] < 0.1 * truth["cpu_s"], work
    worker = run.function("blocked_signals.py", "worker") or {"system_s": 0}
    assert worker["system_s"] < 0.1 * truth["cpu_s"], worker  # not charged at the unblocking line
