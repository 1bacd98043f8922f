"""Time on code the profiler meets for the first time: the sample handler
leaves new code to the sampler thread (codeq.h), and the sample's time
waits for the thread's next sample, whatever its size, rather than going
to the caller's line or to none (attrib.h: fp_attrib_hold_missed)."""
import json

from conftest import program, total_time


def test_a_coarse_interval_keeps_new_codes_time_on_its_lines(footprint, python):
    """At --interval 0.2 one sample stands for more than a worker's hold
    bound (100 ms): every sample of a function called once is on new code
    until the sampler thread, which ticks as seldom, has classified it.
    Without memory profiling nothing else classifies it sooner."""
    run = footprint([program("coarse_new_code.py"), "15000000"], python=python,
                    options=["--cpu-only", "--interval", "0.2"])
    assert run.returncode == 0, run.stderr
    truth = json.loads(run.stdout)["cpu_s"]
    spin = run.function("coarse_new_code.py", "spin")
    left = run.profile["unattributed"]
    # the last sample in spin may come up to an interval (0.3 s at most)
    # before it returns: that stretch goes to the next sample's line
    assert spin is not None and total_time(spin) > 0.85 * truth - 0.3, (spin, truth, left)
    assert total_time(left) < 0.1 * truth, (left, truth)
