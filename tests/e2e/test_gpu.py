"""GPU time and memory per line, against a fake NVML (tests/gpu/fake_nvml.c)
driven by a program whose GPU phases are known (programs/gpu_phases.py):
A at 90% for a while, B +1 GiB, C another process at 100%, D frees. The
log the program writes is the truth: every expected figure comes from it."""
import json
import os
import subprocess

import pytest

from conftest import MAIN_PYTHON, ROOT, program

GIB = 1 << 30
FAKE = os.path.join(ROOT, "tests", "gpu", "fake_nvml.c")
LINES = {"A": "# line A", "B": "# line B", "C": "# line C", "D": "# line D"}


@pytest.fixture(scope="module")
def fakes(tmp_path_factory):
    """The fake library, and one built without NVML's newer functions."""
    d = tmp_path_factory.mktemp("nvml")
    out = {}
    for name, flags in (("new", []), ("old", ["-DFAKE_NVML_OLD"])):
        out[name] = str(d / ("libnvidia-ml-%s.so.1" % name))
        subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O1", *flags, "-o", out[name], FAKE, "-lm"],
                       check=True)
    return out


def run_phases(footprint, tmp_path, lib, mode="process", seconds=1.0, python=MAIN_PYTHON, env_extra=None):
    log = tmp_path / "nvml.log"
    env = dict(os.environ, FOOTPRINT_NVML_LIBRARY=lib, FAKE_NVML_STATE=str(log), FAKE_NVML_MODE=mode,
               FAKE_NVML_PERIOD_MS="20", **(env_extra or {}))
    run = footprint([program("gpu_phases.py"), str(seconds)], python=python, env=env)
    assert run.returncode == 0, run.stderr
    return run, phases_of(log)


def phases_of(log):
    """{A: (start, end), ...} from the log: each phase lasts until the next."""
    times = []
    for line in open(log):
        t = float(line.split()[0])
        if not times or times[-1] != t:
            times.append(t)
    return {k: (times[i], times[i + 1] if i + 1 < len(times) else None) for i, k in enumerate("ABCD")}, times


def gpu_lines(run):
    """{A: line entry, ...} for the phase lines of gpu_phases.py."""
    lines = run.lines("gpu_phases.py")
    out = {}
    for key, mark in LINES.items():
        out[key] = next(l for l in lines.values() if l["source"].rstrip().endswith(mark))
    return out


def near(got, want, tolerance):
    return abs(got - want) <= tolerance * want


def test_gpu_time_and_memory_land_on_their_lines(footprint, python, fakes, tmp_path):
    run, ((phases, _)) = run_phases(footprint, tmp_path, fakes["new"], python=python)
    a_start, a_end = phases["A"]
    line = gpu_lines(run)
    assert near(line["A"]["gpu_s"], 0.9 * (a_end - a_start), 0.05), line["A"]
    assert near(line["B"]["gpu_alloc_bytes"], GIB, 0.05), line["B"]
    assert near(line["B"]["gpu_peak_bytes"], GIB, 0.05), line["B"]
    # another process's work is never this one's
    assert line["C"]["gpu_s"] < 0.02, line["C"]
    assert line["A"]["gpu_alloc_bytes"] == 0 and line["D"]["gpu_alloc_bytes"] == 0
    fn = run.function("gpu_phases.py", "main")
    assert near(fn["gpu_s"], line["A"]["gpu_s"] + line["B"]["gpu_s"] + line["C"]["gpu_s"] + line["D"]["gpu_s"],
                0.01), fn
    gpu = run.profile["gpu"]
    assert gpu["sources"] == {"utilization": "process", "memory": "process"}
    assert gpu["devices"][0]["name"] == "Fake NVIDIA GPU" and gpu["devices"][0]["used"] is True
    assert gpu["devices"][0]["total_bytes"] == 80 * GIB
    assert gpu["notes"] == []
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.load(open(os.path.join(ROOT, "docs", "profile.schema.json")))
    jsonschema.validate(run.profile, schema, cls=jsonschema.Draft202012Validator)


def test_gpu_peak_and_its_time(footprint, fakes, tmp_path):
    # a 2 s phase A: the peak comes late enough that 5% of its time is
    # more than a tick of the sampler thread on a loaded machine
    run, ((phases, times)) = run_phases(footprint, tmp_path, fakes["new"], seconds=2.0)
    gpu = run.profile["gpu"]
    assert near(gpu["peak_bytes"], GIB, 0.05), gpu
    # the program's start on the profile's clock: it ended elapsed_s after
    start = times[-1] + 0.5 - run.profile["elapsed_s"]
    want = phases["B"][0] - start
    assert abs(gpu["peak_time_s"] - want) <= 0.05 * want, (gpu["peak_time_s"], want)
    tl = gpu["timeline"]
    assert max(b for _, b in tl) == gpu["peak_bytes"]
    assert tl[-1][1] == 0  # freed on line D
    assert "GPU" in run.stderr and "no NVIDIA GPU" not in run.stderr


def test_device_wide_figures_count_other_programs_and_say_so(footprint, fakes, tmp_path):
    run, ((phases, _)) = run_phases(footprint, tmp_path, fakes["new"], mode="device")
    line = gpu_lines(run)
    c_start, c_end = phases["C"]
    assert near(line["C"]["gpu_s"], 1.0 * (c_end - c_start), 0.05), line["C"]
    a_start, a_end = phases["A"]
    assert near(line["A"]["gpu_s"], 0.9 * (a_end - a_start), 0.05), line["A"]
    gpu = run.profile["gpu"]
    assert gpu["sources"] == {"utilization": "device", "memory": "device"}
    assert near(line["B"]["gpu_alloc_bytes"], GIB, 0.05), line["B"]  # the device's reserve is not the program's
    assert any("device-wide" in n for n in gpu["notes"]), gpu["notes"]
    assert "device-wide" in run.stderr


@pytest.mark.parametrize("case", ["unsupported", "lost", "old"])
def test_driver_errors_give_a_clean_profile_and_a_note(footprint, fakes, tmp_path, case):
    lib = fakes["old" if case == "old" else "new"]
    mode = "unsupported" if case == "unsupported" else "process"
    run, _ = run_phases(footprint, tmp_path, lib, mode=mode, seconds=0.5,
                        env_extra={"FAKE_NVML_LOSE": "1"} if case == "lost" else None)
    gpu = run.profile["gpu"]
    assert gpu is not None and gpu["notes"], gpu
    report = " ".join(run.stderr.split())  # notes are word-wrapped
    assert all("\n" not in n and " ".join(n.split()) in report for n in gpu["notes"]), (gpu["notes"], run.stderr)
    note = gpu["notes"][0]
    line = gpu_lines(run)
    if case == "unsupported":
        assert gpu["sources"] == {"utilization": None, "memory": None}
        assert all(l["gpu_s"] == 0 and l["gpu_alloc_bytes"] == 0 for l in line.values())
    elif case == "lost":
        assert "lost" in note
        assert near(line["B"]["gpu_alloc_bytes"], GIB, 0.05)  # figures up to the loss stay
    else:  # no per-process utilization: device-wide time, the process's own memory
        assert gpu["sources"] == {"utilization": "device", "memory": "process"}
        assert "nvmlDeviceGetProcessUtilization" in note
        assert line["C"]["gpu_s"] > 0.3


@pytest.mark.parametrize("lib", ["no library", "no driver"])
def test_no_gpu_means_null_and_one_line_in_the_report(footprint, fakes, tmp_path, lib):
    path = str(tmp_path / "absent.so") if lib == "no library" else fakes["new"]
    run, _ = run_phases(footprint, tmp_path, path, mode="noinit", seconds=0.2)
    assert run.profile["gpu"] is None
    assert run.stderr.count("no NVIDIA GPU") == 1
    assert all(l["gpu_s"] == 0 for l in run.lines("gpu_phases.py").values())


def test_html_page_shows_the_gpu_timeline_and_columns(footprint, fakes, tmp_path):
    from test_html import CHROMIUM, drawn, fmt_bytes, fmt_time, open_page
    if not os.path.exists(CHROMIUM):
        pytest.skip("headless Chromium is not installed: run tools/install-deps")
    page_path = tmp_path / "gpu.html"
    log = tmp_path / "nvml.log"
    env = dict(os.environ, FOOTPRINT_NVML_LIBRARY=fakes["new"], FAKE_NVML_STATE=str(log), FAKE_NVML_MODE="device")
    run = footprint([program("gpu_phases.py"), "0.5"], options=["--html", str(page_path)], env=env)
    assert run.returncode == 0, run.stderr
    page = open_page(page_path, tmp_path)
    drawn(page)
    gpu = run.profile["gpu"]
    # the GPU's memory chart next to the host's, its peak marked, and the notes
    assert page.dom.by_id("memory-chart") is not None and page.dom.by_id("gpu-memory-chart").all("path")
    assert "peak %s at %s" % (fmt_bytes(gpu["peak_bytes"]), fmt_time(gpu["peak_time_s"])) in \
        page.dom.by_id("gpu-memory-peak").text()
    assert "device-wide" in page.dom.by_id("gpu-memory").text()
    rows = page.rows("gpu-memory-table")
    assert rows[0]["galloc"] == fmt_bytes(gpu_lines(run)["B"]["gpu_alloc_bytes"])
    assert rows[0]["gpeak"] == fmt_bytes(gpu_lines(run)["B"]["gpu_peak_bytes"])
    assert page.rows("functions-table")[0]["gpu"] == fmt_time(run.function("gpu_phases.py", "main")["gpu_s"])


def test_children_gpu_use_merges(footprint, fakes, tmp_path):
    log = tmp_path / "nvml.log"
    env = dict(os.environ, FOOTPRINT_NVML_LIBRARY=fakes["new"], FAKE_NVML_STATE=str(log), FAKE_NVML_PERIOD_MS="20")
    run = footprint([program("gpu_children.py")], env=env)
    assert run.returncode == 0, run.stderr
    assert len(run.profile["processes"]) == 2
    times = sorted({float(l.split()[0]) for l in open(log)})
    lines = {l["source"].split("#")[-1].strip(): l for l in run.lines("gpu_children.py").values() if "#" in l["source"]}
    busy = times[2] - times[1]  # the child's phase A, from the log
    assert near(lines["child A"]["gpu_s"], 0.9 * busy, 0.05), lines["child A"]
    assert near(lines["child B"]["gpu_alloc_bytes"], GIB // 2, 0.05), lines["child B"]
    assert near(lines["parent takes"]["gpu_peak_bytes"], GIB, 0.05), lines["parent takes"]
    gpu = run.profile["gpu"]
    assert near(gpu["peak_bytes"], 1.5 * GIB, 0.05), gpu  # the two processes' memory together
    assert gpu["timeline"][-1][1] == 0


RESTART = r'''
import os, sys, time
sys.path.insert(0, os.environ["AGENT_DIR"])
import _footprint
sys.path[0] = os.environ["PROGRAMS"]
from gpu_phases import GIB, phase
del sys.path[0]
ME = os.getpid()

def first_part():
    phase((ME, 90, GIB)); time.sleep(0.6)
    phase((ME, 0, 0)); time.sleep(0.1)

def second_part():
    phase((ME, 50, GIB // 4)); time.sleep(0.6)

assert _footprint.start(lambda path: []) is True
first_part()
_footprint.stop()
assert _footprint.start(lambda path: []) is True
second_part()
_footprint.stop()
print("done")
'''


def test_start_stop_start_gives_two_clean_gpu_profiles(fakes, tmp_path):
    from conftest import FOOTPRINT, PROGRAMS, _agent_root, _probe
    info = _probe(MAIN_PYTHON)
    agent_dir = os.path.join(_agent_root(), info[2]) if info else ""
    prog = tmp_path / "restart.py"
    prog.write_text(RESTART)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    env = dict(os.environ, AGENT_DIR=agent_dir, PROGRAMS=PROGRAMS, FOOTPRINT_RUN_DIR=str(run_dir),
               FOOTPRINT_PROGRAM_DIR=str(tmp_path), FOOTPRINT_NVML_LIBRARY=fakes["new"],
               FAKE_NVML_STATE=str(tmp_path / "nvml.log"), FAKE_NVML_PERIOD_MS="20")
    proc = subprocess.run([MAIN_PYTHON, str(prog)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "done\n", proc.stderr
    frags = []
    for name in os.listdir(run_dir):
        with open(run_dir / name) as f:
            frags.append(json.load(f))
    first, second = sorted(frags, key=lambda f: f["start_unix_s"])
    lines = RESTART.splitlines()
    first_lines = {i + 1 for i, l in enumerate(lines) if "(ME, 90" in l or "(ME, 0, 0)" in l}
    second_lines = {i + 1 for i, l in enumerate(lines) if "(ME, 50" in l}
    gpu = lambda frag, which, k: sum(l[k] for l in frag["gpu"]["lines"] if l[1] in which)
    assert near(gpu(first, first_lines, 2), 0.9 * 0.6, 0.1) and gpu(first, first_lines, 3) == GIB, first["gpu"]
    assert near(gpu(second, second_lines, 2), 0.5 * 0.6, 0.1), second["gpu"]
    assert gpu(second, second_lines, 3) == GIB // 4 and gpu(second, first_lines, 2) == 0, second["gpu"]
    assert first["gpu"]["peak_bytes"] == GIB and second["gpu"]["peak_bytes"] == GIB // 4
