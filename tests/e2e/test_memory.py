"""Memory: allocations, frees, what was live at the peak, copies, the
timeline and the profiler's own memory, against a program whose
allocations are known exactly (programs/memory_known.py)."""
import json

import pytest

from conftest import needs_interposer, program

MB = 1_000_000


@pytest.fixture(scope="module")
def runs():
    return {}


def profile_of(footprint, python, cache):
    if python not in cache:
        run = footprint([program("memory_known.py")], python=python)
        assert run.returncode == 0, run.stderr
        cache[python] = (run, json.loads(run.stdout))
    return cache[python]


def near(got, want, tolerance):
    return abs(got - want) <= tolerance * want


@needs_interposer
def test_allocations_land_on_the_lines_that_made_them(footprint, python, runs):
    run, truth = profile_of(footprint, python, runs)
    fn = lambda name: run.function("memory_known.py", name)
    # large native blocks are sampled every time: exact
    native = fn("native_block")
    assert near(native["alloc_bytes"], 190 * MB, 0.02), native
    assert native["alloc_python_bytes"] < 1 * MB
    # 600,000 small strings: an estimate from about 2,800 samples
    keep = fn("python_keep")
    assert near(keep["alloc_bytes"], truth["python_keep_bytes"], 0.08), (keep, truth)
    assert keep["alloc_python_bytes"] >= 0.95 * keep["alloc_bytes"]  # nearly all by Python's allocator
    big = fn("python_big")
    assert near(big["alloc_python_bytes"], 30 * MB, 0.02), big


@needs_interposer
def test_frees_and_what_was_live_at_the_peak(footprint, python, runs):
    run, truth = profile_of(footprint, python, runs)
    temp = run.function("memory_known.py", "native_temp")
    assert near(temp["free_bytes"], 150 * MB, 0.05), temp
    block_line = next(l for l in run.lines("memory_known.py").values()
                      if l["source"].strip().startswith(("return numpy.ones", "block = mmap.mmap")))
    # at the peak (inside native_temp) both native blocks were live
    assert near(block_line["peak_bytes"], 190 * MB, 0.05), block_line
    keep = run.function("memory_known.py", "python_keep")
    assert keep["peak_bytes"] < 2 * MB  # its strings came after the peak


def test_copies(footprint, python, runs):
    run, _ = profile_of(footprint, python, runs)
    copies = run.function("memory_known.py", "copies")
    assert near(copies["copy_bytes"], 200 * MB, 0.10), copies
    assert run.function("memory_known.py", "python_big")["copy_bytes"] < 5 * MB


def test_peak_timeline_and_profiler_memory(footprint, python, runs):
    run, truth = profile_of(footprint, python, runs)
    mem = run.profile["memory"]
    assert near(mem["peak_bytes"], truth["peak_rss_bytes"], 0.10), (mem["peak_bytes"], truth)
    assert 0 < mem["peak_at_s"] <= run.profile["elapsed_s"]
    timeline = mem["timeline"]
    assert 2 <= len(timeline) <= 1000
    times = [t for t, _ in timeline]
    assert times == sorted(times) and times[0] < 0.05
    assert max(b for _, b in timeline) == mem["peak_bytes"]
    assert 0 < mem["profiler_bytes"] < 10 * MB + 0.02 * mem["peak_bytes"]
    assert run.profile["sampling"]["alloc_mean_bytes"] > 0


def test_cpu_only_leaves_memory_out(footprint):
    run = footprint([program("memory_known.py")], options=["--cpu-only"])
    assert run.profile["memory"] is None
    for f in run.profile["files"]:
        for l in f["lines"]:
            assert l["alloc_bytes"] == 0 and l["copy_bytes"] == 0


def test_sample_size_option(footprint):
    run = footprint([program("memory_known.py")], options=["--alloc-sample-bytes", "4096"])
    # the profile states what the agent used (its fragment), not the option
    assert run.profile["sampling"]["alloc_mean_bytes"] == 4096
    assert run.function("memory_known.py", "python_keep")["alloc_bytes"] > 30 * MB


def test_sample_size_option_reaches_the_sampler(footprint, tmp_path):
    """The mean goes from the option through the agent to the interposer's
    sampler: sixteen times the mean, about a sixteenth of the samples."""
    prog = tmp_path / "small_blocks.py"
    prog.write_text("keep = [bytes(200) for _ in range(100_000)]\n")  # 23 MB in small blocks
    fine = footprint([str(prog)], options=["--alloc-sample-bytes", "4096"])
    coarse = footprint([str(prog)], options=["--alloc-sample-bytes", "65536"])
    assert fine.returncode == 0 and coarse.returncode == 0, fine.stderr + coarse.stderr
    assert fine.profile["sampling"]["alloc_mean_bytes"] == 4096
    assert coarse.profile["sampling"]["alloc_mean_bytes"] == 65536
    n_fine, n_coarse = fine.profile["memory"]["samples"], coarse.profile["memory"]["samples"]
    assert n_fine > 3000 and 6 * n_coarse < n_fine, (n_fine, n_coarse)
