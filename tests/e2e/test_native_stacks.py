"""--native-stacks: the native frames below a stack's innermost line name
the C function the time or the memory went to (native_known.py)."""
import json
import os
import subprocess

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, has_numpy, needs_interposer, program, shared_library, total_time
from test_html import drawn, needs_chromium, open_page, view_html


@pytest.fixture(scope="module")
def native_lib(tmp_path_factory):
    """native_known.c, compiled with debug information for this run."""
    return shared_library(tmp_path_factory, "native_known.c", "-g")


def chains(profile):
    """Each stack with its frames (the profile's frame objects), outermost first."""
    frames = profile["stacks"]["frames"]
    return [(s, [frames[i] for i in s["frames"]]) for s in profile["stacks"]["list"]]


def split(chain):
    """A chain's lines and its native frames (which come after them)."""
    native = [f for f in chain if f.get("native")]
    lines = [f for f in chain if not f.get("native")]
    assert chain == lines + native, chain  # native frames only below the lines
    return lines, native


def on_line(profile, line):
    """Stacks whose innermost line is LINE of native_known.py, with their native frames."""
    out = []
    for s, chain in chains(profile):
        lines, native = split(chain)
        if lines and lines[-1]["path"].endswith("native_known.py") and lines[-1]["line"] == line:
            out.append((s, native))
    return out


@pytest.fixture(scope="module")
def native_run(tmp_path_factory, native_lib):
    """One run with --native-stacks (numpy's matmul too when it is there)."""
    path = str(tmp_path_factory.mktemp("run") / "profile.json")
    args = [program("native_known.py"), native_lib] + (["numpy"] if has_numpy(MAIN_PYTHON) else [])
    proc = subprocess.run([FOOTPRINT, "run", "--python", MAIN_PYTHON, "--native-stacks", "--json", path] + args,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    with open(path) as f:
        return json.load(f), json.loads(proc.stdout), path


def test_time_goes_to_the_native_function_below_its_line(native_run):
    p, truth, _ = native_run
    assert p["sampling"].get("native_stacks") is True
    spun = {}
    for name in ("spin_a", "spin_b"):
        stacks = on_line(p, truth["lines"][name])
        line_time = sum(total_time(s) for s, _ in stacks)
        spun[name] = sum(total_time(s) for s, native in stacks if any(f["function"] == "burn_cpu" for f in native))
        # nearly all of the line's time is in burn_cpu (the rest: the ctypes call)
        assert spun[name] > 0.9 * line_time, (name, spun, line_time, stacks)
        # spin_native called it: the caller is named too
        assert any(f["function"] == "spin_native" for s, native in stacks for f in native), stacks
    share = spun["spin_a"] / (spun["spin_a"] + spun["spin_b"])
    truth_share = truth["spent"]["spin_a"] / (truth["spent"]["spin_a"] + truth["spent"]["spin_b"])
    assert abs(share - truth_share) < 0.03, (spun, truth["spent"])


def test_a_native_frame_is_named_from_the_library(native_run, native_lib):
    p, _, _ = native_run
    burn = [f for f in p["stacks"]["frames"] if f.get("function") == "burn_cpu"]
    assert len(burn) == 1, burn  # one frame per function, whatever the instruction
    assert burn[0]["path"] == native_lib
    # a static function: named from .symtab; its line from the debug information
    with open(program("native_known.c")) as f:
        defined = next(i for i, l in enumerate(f, 1) if "static unsigned long burn_cpu(" in l)
    assert abs(burn[0]["line"] - defined) <= 1, burn
    assert burn[0]["source"].endswith("native_known.c"), burn
    # the profiler's own frames are left out
    own = [f for f in p["stacks"]["frames"] if f.get("native") and
           ("libfootprint_alloc" in f["path"] or "_footprint" in os.path.basename(f["path"]))]
    assert not own, own


@needs_interposer
def test_memory_goes_to_the_native_function_that_allocated_it(native_run):
    p, truth, _ = native_run
    stacks = on_line(p, truth["lines"]["hold"])
    held = sum(s["alloc_bytes"] for s, native in stacks if any(f["function"] == "hold_blocks" for f in native))
    assert abs(held - truth["held_bytes"]) < 0.05 * truth["held_bytes"], (held, truth)
    peak = sum(s["peak_bytes"] for s, native in stacks if any(f["function"] == "hold_blocks" for f in native))
    assert peak > 0.9 * truth["held_bytes"], (peak, truth)


@pytest.mark.skipif(not has_numpy(MAIN_PYTHON), reason="numpy is not installed")
def test_numpy_matmul_reaches_numpy_or_blas(native_run):
    p, truth, _ = native_run
    stacks = on_line(p, truth["lines"]["matmul"])
    objects = {os.path.basename(f["path"]) for s, native in stacks for f in native if total_time(s) > 0}
    assert any("numpy" in o or "_multiarray" in o or "blas" in o or "lapack" in o for o in objects), objects


def test_views_and_exports_show_native_frames(native_run, tmp_path):
    p, _, path = native_run
    out = subprocess.run([FOOTPRINT, "view", "--stacks", "--quiet", "--no-color", path],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert any("burn_cpu" in l and "[native]" in l for l in out.stdout.splitlines()), out.stdout
    ss = tmp_path / "p.speedscope.json"
    out = subprocess.run([FOOTPRINT, "export", "--format", "speedscope", path, "-o", str(ss)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    names = [f["name"] for f in json.loads(ss.read_text())["shared"]["frames"]]
    assert "burn_cpu (libnative_known.so)" in names, names


def test_without_the_option_no_native_frames(footprint, native_lib):
    run = footprint([program("native_known.py"), native_lib])
    assert run.returncode == 0, run.stderr
    assert "native_stacks" not in run.profile["sampling"]
    assert not [f for f in run.profile["stacks"]["frames"] if f.get("native")]


def test_native_stacks_need_stacks(footprint):
    run = footprint([program("native_known.py")], options=["--native-stacks", "--no-stacks"], json_out=False)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "--no-stacks" in run.stderr, run.stderr


def test_the_python_api_passes_the_option(tmp_path, native_lib):
    script = tmp_path / "region.py"
    script.write_text("import ctypes, sys\nimport footprint\nlib = ctypes.CDLL(sys.argv[1])\n"
                      "lib.spin_native.argtypes = [ctypes.c_double]\n"
                      "with footprint.profile(native_stacks=True) as p:\n"
                      "    lib.spin_native(0.3)\n"
                      "p.save(sys.argv[2])\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTPRINT_")}
    env["PYTHONPATH"] = os.path.join(os.path.dirname(FOOTPRINT), "python")
    env["LD_PRELOAD"] = ":".join(p for p in env.get("LD_PRELOAD", "").split(":") if p and "footprint" not in p)
    out = tmp_path / "region.json"
    proc = subprocess.run([MAIN_PYTHON, str(script), native_lib, str(out)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    p = json.loads(out.read_text())
    assert any(f["function"] == "burn_cpu" for f in p["stacks"]["frames"] if f.get("native")), p["stacks"]["frames"]


@needs_chromium
def test_the_flame_graph_draws_native_frames(native_run, tmp_path):
    p, _, _ = native_run
    proc, out = view_html(tmp_path, p, "native")
    assert proc.returncode == 0, proc.stderr
    page = open_page(out, tmp_path, "#search=burn_cpu")
    drawn(page)
    # the search finds the native frames: their share of the time, as the profile has it
    frames = p["stacks"]["frames"]
    total = sum(total_time(s) for s in p["stacks"]["list"])
    burn = sum(total_time(s) for s in p["stacks"]["list"] if any(frames[i]["function"] == "burn_cpu" for i in s["frames"]))
    matched = float(page.dom.by_id("flame-time").attrs["data-matched"])
    assert burn > 0 and abs(matched - burn / total) < 0.002, (matched, burn / total)
