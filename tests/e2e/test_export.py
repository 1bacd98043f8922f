"""footprint export: collapsed stacks, speedscope, pprof and chrome files,
each read back and summed against the profile they came from."""
import base64
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, ROOT, program
from test_html import CHROMIUM, CHROMIUM_ENV, CHROMIUM_FLAGS, DomParser, needs_chromium

PPROF_PROTO = "/usr/share/gocode/src/github.com/google/pprof/proto/profile.proto"
# speedscope's own npm package (web/package.json): its built app and its file format's JSON Schema
SPEEDSCOPE = os.path.join(ROOT, "web", "node_modules", "speedscope", "dist", "release")
GO = shutil.which("go") or "/usr/lib/go/bin/go"
FOLDED = re.compile(r"^([^;]+:[^;:]+:\d+)(;[^;]+:[^;:]+:\d+)* (\d+)$")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Profiles of stacks_known.py (main interpreter): with stacks, its
    child process running predict once more ("fork"), and one without
    stacks or child; the program's truth."""
    d = tmp_path_factory.mktemp("export")
    paths = {}
    for name, extra, args in (("stacks", [], ["fork"]), ("lines", ["--no-stacks"], [])):
        path = str(d / (name + ".json"))
        run = subprocess.run([FOOTPRINT, "run", "--quiet", "--python", MAIN_PYTHON, "--json", path] + extra +
                             [program("stacks_known.py")] + args, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        paths[name] = path
        if name == "stacks":
            paths["truth"] = json.loads(run.stdout)
    paths["dir"] = d
    return paths


def need(present, what):
    """Skips a test whose reader is missing; in CI (CI=true) fails it:
    tools/install-deps installs every reader."""
    if present:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("%s is missing: tools/install-deps installs it" % what)
    pytest.skip("%s is not installed: run tools/install-deps" % what)


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
    # time, allocated, at the peak: of all processes, then of each of the two
    assert len(profile["processes"]) == 2
    assert names[:3] == ["time (all processes)", "bytes allocated (all processes)",
                         "bytes live at the peak (all processes)"], names
    assert len(names) == 9, names
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


def speedscope_functions(doc, p):
    """{function name: its samples' weight} of speedscope profile P."""
    frames, seen = doc["shared"]["frames"], {}
    for chain, w in zip(p["samples"], p["weights"]):
        for name in {frames[i]["name"] for i in chain}:
            seen[name] = seen.get(name, 0) + w
    return seen


def test_speedscope_has_each_process(saved):
    """Each process's profiles hold its own work: the child (the second
    process) ran predict only, its parent load_data, predict and rec."""
    out = saved["dir"] / "speedscope.json"
    assert export(saved["stacks"], "speedscope", out).returncode == 0
    doc, profile, truth = load(out), load(saved["stacks"]), saved["truth"]
    by_name = {p["name"]: p for p in doc["profiles"]}
    procs = profile["processes"]
    assert procs[0]["pid"] != procs[1]["pid"]
    mine = {}
    for i, proc in enumerate(procs):
        who = "pid %d: %s" % (proc["pid"], " ".join([os.path.basename(proc["argv"][0])] + proc["argv"][1:]))
        mine[i] = {what: by_name.get("%s (%s)" % (what, who), {"endValue": 0})  # none when all its weights are 0
                   for what in ("time", "bytes allocated", "bytes live at the peak")}
        assert "samples" in mine[i]["time"] and "samples" in mine[i]["bytes allocated"], (who, list(by_name))
    child_time = speedscope_functions(doc, mine[1]["time"])
    assert "predict" in child_time and "load_data" not in child_time and "rec" not in child_time, child_time
    parent_time = speedscope_functions(doc, mine[0]["time"])
    assert {"load_data", "predict", "rec"} <= set(parent_time), parent_time
    child_alloc = speedscope_functions(doc, mine[1]["bytes allocated"])
    parent_alloc = speedscope_functions(doc, mine[0]["bytes allocated"])
    assert "load_data" not in child_alloc
    for got, want in ((child_alloc["predict"], truth["predict"]), (parent_alloc["predict"], truth["predict"]),
                      (parent_alloc["load_data"], truth["load_data"])):
        assert abs(got - want) < 0.05 * want, (got, want)
    # the processes' profiles add up to all processes' (bytes: whole bytes a stack)
    for what in ("time", "bytes allocated", "bytes live at the peak"):
        both = mine[0][what]["endValue"] + mine[1][what]["endValue"]
        whole = by_name["%s (all processes)" % what]
        assert abs(both - whole["endValue"]) <= 1e-6 + 2 * len(whole["weights"]), (what, both, whole["endValue"])


def test_speedscope_of_one_process_is_named_after_it(saved):
    out = saved["dir"] / "speedscope-lines.json"
    assert export(saved["lines"], "speedscope", out).returncode == 0
    doc, proc = load(out), load(saved["lines"])["processes"][0]
    assert [p["name"] for p in doc["profiles"]] == [
        "%s (pid %d: stacks_known.py)" % (what, proc["pid"]) for what in ("time", "bytes allocated",
                                                                          "bytes live at the peak")]


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


# ---- real readers ------------------------------------------------------------------

# what speedscope's app needs of a headless Chromium: time for its script
# to load the profile after the page's load event, and WebGL (software)
SPEEDSCOPE_FLAGS = ["--virtual-time-budget=10000", "--window-size=1200,800", "--enable-unsafe-swiftshader",
                    "--use-angle=swiftshader"]


def speedscope_app(text, tmp_path, fragment=""):
    """Opens the speedscope file TEXT in speedscope's own app as its CLI
    does (a script calling speedscope.loadFileFromBase64, named in
    #localProfilePath=); returns the DOM it drew and its console lines."""
    work = tempfile.mkdtemp(dir=str(tmp_path), prefix="speedscope-")
    js = os.path.join(work, "profile.js")
    with open(js, "w") as f:
        f.write("speedscope.loadFileFromBase64(%s, %s)" % (
            json.dumps("footprint.speedscope.json"), json.dumps(base64.b64encode(text.encode()).decode())))
    url = "file://" + os.path.join(SPEEDSCOPE, "index.html") + "#localProfilePath=" + js + fragment
    cmd = [CHROMIUM] + CHROMIUM_FLAGS + SPEEDSCOPE_FLAGS + [
        "--user-data-dir=" + os.path.join(work, "profile"), "--enable-logging=stderr", "--v=0", "--dump-dom", url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=CHROMIUM_ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    parser = DomParser()
    parser.feed(proc.stdout)
    return parser.root, [l for l in proc.stderr.splitlines() if ":CONSOLE" in l]


# speedscope's units (its value-formatters.ts): seconds and bytes (1024 a KB)
SPEEDSCOPE_UNITS = {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1, "B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def app_total(page, name):
    """The total weight speedscope's profile list shows for profile NAME."""
    m = re.search(re.escape(name) + r"([\d.]+) ?(ns|µs|ms|s|B|KB|MB|GB)(?![a-z])", page)
    assert m, (name, page[:1500])
    return float(m.group(1)) * SPEEDSCOPE_UNITS[m.group(2)]


@needs_chromium
def test_speedscope_app_shows_each_process(saved, tmp_path):
    """speedscope's own app loads the file and opens on the child's time
    profile: its list names every profile with the total it computed from
    our weights, its sandwich view lists the child's functions only."""
    need(os.path.exists(os.path.join(SPEEDSCOPE, "index.html")), "speedscope's npm package (web/node_modules)")
    out = saved["dir"] / "speedscope-app.json"
    assert export(saved["stacks"], "speedscope", out).returncode == 0
    doc, procs = load(out), load(saved["stacks"])["processes"]
    names = [p["name"] for p in doc["profiles"]]
    child = names.index("time (pid %d: %s)" % (procs[1]["pid"], " ".join(
        [os.path.basename(procs[1]["argv"][0])] + procs[1]["argv"][1:])))
    doc["activeProfileIndex"] = child  # which profile the app opens on (a viewer's setting)
    dom, console = speedscope_app(json.dumps(doc), tmp_path, "&view=sandwich")
    page = dom.text()
    assert "Something went wrong" not in page and "Welcome to" not in page, page[:500]
    assert any("Importing as speedscope json file" in l for l in console), console
    assert not [l for l in console if "rror" in l or "Uncaught" in l], console
    assert "%s (%d/%d)" % (names[child], child + 1, len(names)) in page, page[:500]  # the toolbar
    for p in doc["profiles"]:
        shown_total = app_total(page, p["name"])  # 2 decimals
        assert abs(shown_total - p["endValue"]) <= 0.006 * max(p["endValue"], 1e-3), (p["name"], shown_total)
    # the sandwich view: the child's functions, heaviest first
    assert "predict" in page and "spin" in page and "load_data" not in page, page[:3000]


def test_speedscope_file_matches_speedscopes_schema(saved):
    jsonschema = pytest.importorskip("jsonschema")
    path = os.path.join(SPEEDSCOPE, "file-format-schema.json")
    need(os.path.exists(path), "speedscope's npm package (web/node_modules)")
    schema = load(path)
    for name in ("stacks", "lines"):
        out = saved["dir"] / ("speedscope-schema-%s.json" % name)
        assert export(saved[name], "speedscope", out).returncode == 0
        doc = load(out)
        cls = jsonschema.validators.validator_for(schema)
        cls(schema).validate(doc)


# pprof's sample types and the stack figures they hold
PPROF_TYPES = {"cpu": lambda s: s["cpu_python_s"] + s["cpu_native_s"], "offcpu": lambda s: s["system_s"],
               "alloc_space": lambda s: s["alloc_bytes"], "peak_space": lambda s: s["peak_bytes"]}
PPROF_ROW = re.compile(r"^\s*(-?[\d.]+)(ms|B)?\s+\S+%\s+\S+%\s+(-?[\d.]+)(ms|B)?\s+\S+%\s+(.+?)\s*$")
PPROF_TOTAL = re.compile(r"of ([\d.]+)(ms|B)? total")


def go_pprof(path, index, tmp_path):
    """`go tool pprof -top` of PATH for sample type INDEX, offline, in
    milliseconds or bytes: [(function, flat)], total."""
    home = tmp_path / "go"
    env = dict(CHROMIUM_ENV, HOME=str(home), GOCACHE=str(home / "cache"), GOPATH=str(home / "path"),
               PPROF_TMPDIR=str(home / "pprof"), GOPROXY="off", GOTOOLCHAIN="local", GOFLAGS="")  # no sanitizer preload
    unit = "ms" if index in ("cpu", "offcpu") else "B"
    run = subprocess.run([GO, "tool", "pprof", "-top", "-sample_index=" + index, "-unit=" + unit,
                          "-symbolize=none", "-nodecount=1000", str(path)],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert "Type: %s" % index in run.stdout, run.stdout
    rows = [m for m in map(PPROF_ROW.match, run.stdout.splitlines()) if m]
    total = PPROF_TOTAL.search(run.stdout)
    assert rows and total, run.stdout
    return [(m.group(5), float(m.group(1))) for m in rows], float(total.group(1))


@pytest.mark.parametrize("index", list(PPROF_TYPES))
def test_pprof_file_reads_in_go_tool_pprof(saved, tmp_path, index):
    need(os.path.exists(GO), "Go (go tool pprof)")
    out = saved["dir"] / "profile-go.pb.gz"
    if not out.exists():
        assert export(saved["stacks"], "pprof", out).returncode == 0
    rows, total = go_pprof(out, index, tmp_path)
    profile = load(saved["stacks"])
    frames, stacks = profile["stacks"]["frames"], profile["stacks"]["list"]
    scale = 1e3 if index in ("cpu", "offcpu") else 1  # seconds to milliseconds
    own = {}  # each function's own figure: the stacks it is the innermost frame of
    for s in stacks:
        fn = frames[s["frames"][-1]]["function"]
        own[fn] = own.get(fn, 0) + PPROF_TYPES[index](s) * scale
    slack = 0.01 if scale > 1 else 1  # pprof prints 2 decimals; bytes are whole
    want_total = sum(own.values())
    assert abs(total - want_total) <= slack + 1e-6 * len(stacks) * scale + 0.5 * len(stacks) * (scale == 1), \
        (total, want_total)
    top, flat = rows[0]
    assert top in own, (top, rows[:5])
    assert abs(flat - own[top]) <= slack + len(stacks) * (1e-6 if scale > 1 else 0.5), (top, flat, own[top])
    assert max(own.values()) - own[top] <= 2 * slack, (top, own)  # the heaviest (or tied with it)
    if index == "cpu":
        assert top == "spin", rows[:5]  # 1.6 s of the program's 2 s spun there
    if index == "alloc_space":
        assert top == "helper" and abs(flat - 2 * saved["truth"]["predict"] - saved["truth"]["load_data"]) \
            < 0.05 * flat, rows[:5]
