"""The Python API: footprint.profile() / start() / stop() inside a program
that footprint did not start (no launcher, no LD_PRELOAD): figures of a
known region, native memory through the patched relocation slots, the
saved profile, HTML and text report, and misuse."""
import json
import os
import subprocess

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, ROOT, needs_interposer, program

BUILD_PYTHON = os.path.join(os.path.dirname(FOOTPRINT), "python")
MB = 1_000_000


def run_api(python, script, *args, timeout=120):
    env = dict(os.environ, PYTHONPATH=BUILD_PYTHON)
    for name in [n for n in env if n.startswith("FOOTPRINT_")]:
        del env[name]
    # no interposer preloaded (a sanitizer's runtime stays first)
    env["LD_PRELOAD"] = ":".join(p for p in env.get("LD_PRELOAD", "").split(":") if p and "footprint" not in p)
    return subprocess.run([python, script] + list(args), env=env, capture_output=True, text=True, timeout=timeout)


def lines_of(profile, basename):
    return {l["line"]: l for f in profile["files"] if os.path.basename(f["path"]) == basename for l in f["lines"]}


def within(value, truth, tolerance):
    return abs(value - truth) <= tolerance * truth


@needs_interposer
def test_region_figures(python, tmp_path):
    out = str(tmp_path / "p")
    done = run_api(python, program("api_region.py"), out)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.splitlines()[-1])
    with open(out + ".json") as f:
        profile = json.load(f)
    lines, at = lines_of(profile, "api_region.py"), facts["lines"]
    assert within(lines[at["python"]]["alloc_bytes"], 50 * MB, 0.05), lines[at["python"]]
    assert within(lines[at["native"]]["alloc_bytes"], 40 * MB, 0.05), lines[at["native"]]
    python_s = sum(lines[n]["cpu_python_s"] for n in at["spin"] if n in lines)
    native_s = sum(lines[n]["cpu_native_s"] for n in at["spin"] if n in lines)
    assert python_s > 0.1 and python_s > 0.8 * (python_s + native_s), (python_s, native_s)  # 0.3 s of CPU, loaded
    # before and after the region: not in its profile
    assert at["kept"] not in lines and at["after"] not in lines
    # a block made before the region and freed in it counts nowhere, never negatively
    for entry in lines.values():
        assert all(v >= 0 for k, v in entry.items() if isinstance(v, (int, float))), entry
    # the region's own peak: 20 MB freed, then 90 MB made, so 70 MB above its
    # start; the process's 200 MB spike before it is not the region's
    assert 60 * MB <= facts["peak_above_start_bytes"] <= 85 * MB, facts
    assert facts["peak_above_start_bytes"] + 30 * MB < facts["peak_bytes"] < 200 * MB, facts
    assert 0 < facts["cpu_s"] and 0 < facts["elapsed_s"] < 60
    assert "api_region.py" in done.stderr  # p.report(): the text report, on stderr
    with open(out + ".html") as f:
        assert f.read(15).lower().startswith("<!doctype html")


def test_region_profile_matches_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    out = str(tmp_path / "p")
    done = run_api(MAIN_PYTHON, program("api_region.py"), out)
    assert done.returncode == 0, done.stderr
    schema = json.load(open(os.path.join(ROOT, "docs", "profile.schema.json")))
    jsonschema.validate(json.load(open(out + ".json")), schema, cls=jsonschema.Draft202012Validator)


MISUSE = """
import footprint, sys
try:
    footprint.stop()
except footprint.FootprintError as e:
    print("stop:", e)
footprint.start()
try:
    footprint.start()
except footprint.FootprintError as e:
    print("start:", e)
p = footprint.stop()
print("profile:", type(p).__name__, p.cpu_s >= 0)
try:
    footprint.profile(bogus=1)
except TypeError as e:
    print("option:", e)
print("still running")
"""


def test_misuse_raises_and_the_program_goes_on(tmp_path):
    script = tmp_path / "misuse.py"
    script.write_text(MISUSE)
    done = run_api(MAIN_PYTHON, str(script))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "stop: footprint is not recording" in out
    assert "start: footprint is already recording" in out
    assert "profile: Profile True" in out
    assert "option: footprint: unknown option bogus" in out
    assert out.rstrip().endswith("still running")


def test_no_agent_for_the_interpreter(tmp_path):
    script = tmp_path / "noagent.py"
    script.write_text("import footprint, footprint._native as n\n"
                      "n.agent_key = lambda executable=None: 'no_such_interpreter'\n"
                      "try:\n    footprint.start()\nexcept footprint.FootprintError as e:\n    print('error:', e)\n"
                      "print('still running')\n")
    done = run_api(MAIN_PYTHON, str(script))
    assert done.returncode == 0, done.stderr
    assert "error: footprint has no agent for this interpreter" in done.stdout
    assert done.stdout.rstrip().endswith("still running")


def run_more(*args):
    done = run_api(MAIN_PYTHON, program("api_more.py"), *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_threads_before_and_inside_the_region():
    """A thread started in the region is profiled; one alive before it is
    profiled while the region lasts."""
    fns = run_more("threads")["functions"]
    # 0.3 s of CPU each; sampling on a loaded machine spreads it widely
    assert 0.1 < fns["new_work"]["cpu_s"] < 2.0, fns
    assert 0.1 < fns["old_work"]["cpu_s"] < 2.0, fns


@needs_interposer
@pytest.mark.parametrize("follow", [False, True, "default"])
def test_forked_child_unless_told_not_to(follow):
    """A child forked in the region is in its profile, as the launcher
    follows children, unless children=False."""
    result = run_more("children", {False: "0", True: "1"}.get(follow, "default"))
    child = result["functions"].get("in_child", {"alloc_bytes": 0})
    if follow:
        assert result["processes"] == 2
        assert within(child["alloc_bytes"], 30 * MB, 0.05), result
    else:
        assert result["processes"] == 1
        assert child["alloc_bytes"] == 0, result


@needs_interposer
def test_two_regions_each_have_their_own_figures():
    result = run_more("twice")
    first, second = result["first"], result["second"]
    assert within(first["first"]["alloc_bytes"], 40 * MB, 0.05) and "second" not in first, result
    assert within(second["second"]["alloc_bytes"], 25 * MB, 0.05) and "first" not in second, result


@needs_interposer
def test_run_off_records_only_the_stretches(footprint):
    """`footprint run --off`: the agent is loaded, not recording; the
    program's start()/stop() stretches are the profile."""
    env = dict(os.environ, PYTHONPATH=BUILD_PYTHON)
    run = footprint([program("api_off.py")], options=["--off"], env=env)
    assert run.returncode == 0, run.stderr
    assert "stop returns None" in run.stdout and "done" in run.stdout
    fns = {fn["name"]: fn for f in run.profile["files"] for fn in f["functions"]}
    assert within(fns["inside"]["alloc_bytes"], 40 * MB, 0.05), fns.get("inside")
    assert within(fns["again"]["alloc_bytes"], 20 * MB, 0.05), fns.get("again")
    assert fns.get("before", {"alloc_bytes": 0})["alloc_bytes"] == 0
    assert fns.get("between", {"alloc_bytes": 0})["alloc_bytes"] == 0
