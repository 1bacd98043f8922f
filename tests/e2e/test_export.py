"""footprint export: collapsed stacks, speedscope, pprof and chrome files,
each read back and summed against the profile they came from."""
import gzip
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, program

PPROF_PROTO = "/usr/share/gocode/src/github.com/google/pprof/proto/profile.proto"
FOLDED = re.compile(r"^([^;]+:[^;:]+:\d+)(;[^;]+:[^;:]+:\d+)* (\d+)$")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A profile of stacks_known.py (main interpreter), and one without stacks."""
    d = tmp_path_factory.mktemp("export")
    paths = {}
    for name, extra in (("stacks", []), ("lines", ["--no-stacks"])):
        path = str(d / (name + ".json"))
        run = subprocess.run([FOOTPRINT, "run", "--quiet", "--python", MAIN_PYTHON, "--json", path] + extra +
                             [program("stacks_known.py")], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        paths[name] = path
    paths["dir"] = d
    return paths


def export(profile, fmt, out, *extra):
    return subprocess.run([FOOTPRINT, "export", "--format", fmt, *extra, profile, "-o", str(out)],
                          capture_output=True, text=True, timeout=60)


def load(path):
    with open(path) as f:
        return json.load(f)


def stack_time_us(s):
    return (s["cpu_python_s"] + s["cpu_native_s"] + s["system_s"]) * 1e6


@pytest.mark.parametrize("figure", ["time", "alloc", "peak"])
def test_collapsed_lines_sum_to_the_profile(saved, figure):
    out = saved["dir"] / ("folded-" + figure)
    run = export(saved["stacks"], "collapsed", out, "--figure", figure)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    profile = load(saved["stacks"])
    frames = profile["stacks"]["frames"]
    total = 0
    with open(out) as f:
        lines = f.read().splitlines()
    assert lines
    for line in lines:
        m = FOLDED.match(line)
        assert m, line
        total += int(m.group(3))
    key = {"time": stack_time_us, "alloc": lambda s: s["alloc_bytes"], "peak": lambda s: s["peak_bytes"]}[figure]
    kept = [s for s in profile["stacks"]["list"] if round(key(s)) > 0]
    assert len(lines) == len(kept)
    assert abs(total - sum(key(s) for s in kept)) <= len(kept)  # rounding, one unit a line
    # frames are file:function:line, outermost first
    first = kept[0]
    want = ";".join("%s:%s:%d" % (frames[i]["path"], frames[i]["function"], frames[i]["line"]) for i in first["frames"])
    assert lines[0].rsplit(" ", 1)[0] == want


def test_a_profile_without_stacks_exports_its_lines(saved):
    out = saved["dir"] / "folded-lines"
    run = export(saved["lines"], "collapsed", out)
    assert run.returncode == 0
    assert run.stderr.count("\n") == 1 and "one-frame stacks" in run.stderr, run.stderr
    profile = load(saved["lines"])
    want = sum(round((l["cpu_python_s"] + l["cpu_native_s"] + l["system_s"]) * 1e6)
               for f in profile["files"] for l in f["lines"])
    with open(out) as f:
        rows = [FOLDED.match(l) for l in f.read().splitlines()]
    assert all(rows) and all(m.group(2) is None for m in rows)  # one frame each
    assert abs(sum(int(m.group(3)) for m in rows) - want) <= len(rows)


def test_speedscope_file(saved):
    out = saved["dir"] / "speedscope.json"
    assert export(saved["stacks"], "speedscope", out).returncode == 0
    doc, profile = load(out), load(saved["stacks"])
    assert doc["$schema"] == "https://www.speedscope.app/file-format-schema.json"
    frames = doc["shared"]["frames"]
    assert all(isinstance(f["name"], str) and isinstance(f["file"], str) and f["line"] >= 1 for f in frames)
    names = [p["name"] for p in doc["profiles"]]
    assert len(names) == 3  # time, allocated, at the peak
    for p in doc["profiles"]:
        assert p["type"] == "sampled" and p["unit"] in ("seconds", "bytes")
        assert len(p["samples"]) == len(p["weights"])
        assert all(0 <= i < len(frames) for s in p["samples"] for i in s)
        assert abs(p["endValue"] - sum(p["weights"])) < 1e-6 * max(1, p["endValue"])
    time = doc["profiles"][0]
    want = sum(stack_time_us(s) for s in profile["stacks"]["list"]) / 1e6
    assert abs(time["endValue"] - want) < 1e-5
    # a sample's frames are the stack's, root first
    top = profile["stacks"]["list"][0]
    pf = profile["stacks"]["frames"]
    assert [frames[i]["name"] for i in time["samples"][0]] == [pf[i]["function"] for i in top["frames"]]


@pytest.mark.skipif(not shutil.which("protoc-c") or not os.path.exists(PPROF_PROTO),
                    reason="protoc-c or pprof's profile.proto is not installed")
def test_pprof_file_decodes_with_the_real_proto(saved):
    out = saved["dir"] / "profile.pb.gz"
    assert export(saved["stacks"], "pprof", out).returncode == 0
    with open(out, "rb") as f:
        raw = gzip.decompress(f.read())
    text = subprocess.run(["protoc-c", "--decode=perftools.profiles.Profile", os.path.basename(PPROF_PROTO)],
                          input=raw, capture_output=True, cwd=os.path.dirname(PPROF_PROTO), timeout=60)
    assert text.returncode == 0, text.stderr
    decoded = text.stdout.decode()
    strings = re.findall(r'string_table: "(.*)"', decoded)
    for name in ("cpu", "offcpu", "alloc_space", "peak_space", "nanoseconds", "bytes", "load_data", "predict"):
        assert name in strings, name
    values = [int(v) for v in re.findall(r"value: (-?\d+)", decoded)]
    assert len(values) % 4 == 0
    profile = load(saved["stacks"])
    cpu = sum(values[0::4]) / 1e9
    alloc = sum(values[2::4])
    want_cpu = sum(s["cpu_python_s"] + s["cpu_native_s"] for s in profile["stacks"]["list"])
    assert abs(cpu - want_cpu) < 1e-3
    assert abs(alloc - sum(s["alloc_bytes"] for s in profile["stacks"]["list"])) <= len(values)


def test_chrome_trace(saved):
    out = saved["dir"] / "trace.json"
    assert export(saved["stacks"], "chrome", out).returncode == 0
    doc, profile = load(out), load(saved["stacks"])
    events = doc["traceEvents"]
    memory = [e for e in events if e["name"] == "resident memory"]
    assert len(memory) == len(profile["memory"]["timeline"])
    assert all(e["ph"] == "C" and e["args"]["bytes"] >= 0 for e in memory)
    assert memory == sorted(memory, key=lambda e: e["ts"])
    named = {e["pid"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    assert named == {p["pid"] for p in profile["processes"]}


def test_bad_input(saved, tmp_path):
    out = tmp_path / "out"
    cases = [
        (["--format", "nope", saved["stacks"], "-o", str(out)], "unknown export format"),
        (["--format", "collapsed", str(tmp_path / "missing.json"), "-o", str(out)], "cannot read profile"),
        (["--format", "collapsed", saved["stacks"]], "-o OUT"),
        (["--format", "collapsed", "--figure", "bytes", saved["stacks"], "-o", str(out)], "--figure"),
    ]
    notprofile = tmp_path / "not.json"
    notprofile.write_text('{"hello": 1}')
    cases.append((["--format", "pprof", str(notprofile), "-o", str(out)], "not a footprint profile"))
    damaged = load(saved["stacks"])
    damaged["stacks"]["list"][0]["frames"] = [10 ** 6]
    bad = tmp_path / "damaged.json"
    bad.write_text(json.dumps(damaged))
    cases.append((["--format", "speedscope", str(bad), "-o", str(out)], "frame that is not there"))
    for args, words in cases:
        run = subprocess.run([FOOTPRINT, "export", *args], capture_output=True, text=True, timeout=60)
        assert run.returncode == 2, (args, run.stderr)
        assert run.stderr.count("\n") == 1 and words in run.stderr, (args, run.stderr)
