"""Leaks are named, and nothing else is (programs/leaks_known.py)."""
import os

import pytest

from conftest import needs_interposer, program

MB = 1_000_000


def leaks_by_function(run):
    return {l["function"]: l for l in run.profile["leaks"]}


@needs_interposer
def test_real_leaks_are_found_and_nothing_else(footprint, python):
    run = footprint([program("leaks_known.py")], python=python, timeout=180)
    assert run.returncode == 0, run.stderr
    found = leaks_by_function(run)
    assert set(found) == {"python_leak", "native_leak", "slow_leak", "kept_or_dropped"}, run.profile["leaks"]
    n = 2500
    truth = {"python_leak": sum(len(str(i)) * 2500 + 49 for i in range(n)), "native_leak": n * 20_000,
             "slow_leak": n / 5 * 20_000,
             "kept_or_dropped": n * 20_000}
    for name, want in truth.items():
        leak = found[name]
        assert abs(leak["leaked_bytes"] - want) < 0.25 * want, (name, leak, want)
        assert 0 < leak["confidence"] <= 1
        assert leak["rate_bytes_per_s"] > 0
        assert leak["path"].endswith("leaks_known.py")
    assert found["native_leak"]["rate_bytes_per_s"] > 2 * found["slow_leak"]["rate_bytes_per_s"]
    # the line that drops its block is not the one that leaks
    src = open(program("leaks_known.py")).read().splitlines()
    assert src[found["kept_or_dropped"]["line"] - 1].strip() == "a = native(20_000)"


@needs_interposer
def test_leaks_in_the_report(footprint):
    # not shorter: at 1500 iterations the loop can take under 70 ms, and
    # the program's final 50 ms sleep then reads as a leak that stopped
    run = footprint([program("leaks_known.py")])
    assert "Likely leaks" in run.stderr, (run.profile["leaks"], run.stderr)
    section = run.stderr.split("Likely leaks")[1]
    assert "native_leak" in section, (run.profile["leaks"], run.stderr)
    # the report shows every leak the profile has, most certain first
    shown = [l["function"] for l in run.profile["leaks"]]
    assert [f for f in shown if f in section] == shown, (shown, section)


def test_a_short_program_says_nothing(footprint):
    run = footprint([program("leaks_known.py")], env=dict(os.environ, ITERATIONS="6"))
    assert run.returncode == 0
    assert run.profile["leaks"] == []


def test_no_leaks_option(footprint):
    run = footprint([program("leaks_known.py")], options=["--no-leaks"])
    assert run.profile["leaks"] == []
    assert "Likely leaks" not in run.stderr
