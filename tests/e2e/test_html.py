"""The HTML report (`footprint run --html`, `footprint view --html`): pages
opened in headless Chromium show the profile's figures, run their script
without an error, load nothing from anywhere, show program text as text,
stay fast and small for 10,000 lines, and sort by any column.

The page's script marks #app with data-status="done" when it has drawn
everything, and data-render-ms with the time it took (performance.now()
from the script's start to its end). A page opened with "#click=ID,..."
clicks those elements once drawn (a test hook: sorting and folding go
through the page's own click handlers). Chromium runs with --dump-dom;
its console goes to stderr (--enable-logging=stderr), its requests to a
net log (--log-net-log).
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import BAD_PROFILES, FOOTPRINT, MAIN_PYTHON, ROOT, needs_interposer, program

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")
# in CI (CI=true) a missing Chromium fails the tests instead: tools/install-deps installs it
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
                                    reason="headless Chromium (/usr/bin/chromium) is not installed: run tools/install-deps")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--disable-default-apps", "--disable-domain-reliability",
                  "--no-pings", "--hide-scrollbars",
                  # what the browser itself asks for (update checks) never leaves the machine
                  "--host-resolver-rules=MAP * ~NOTFOUND"]
# the browser runs without what the sanitizer run preloads into footprint's tests
CHROMIUM_ENV = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}


# ---- the terminal report's units (textfmt.c), which the page shows too ----------

def fmt_time(s):
    if s < 0.0005:
        return ""
    if s < 0.995:
        return "%.0fms" % (s * 1000)
    if s < 99.5:
        return "%.2fs" % s
    return "%.0fs" % s


def fmt_bytes(b):
    if b < 0.5:
        return ""
    units, u = ["B", "kB", "MB", "GB", "TB"], 0
    while b >= 999.5 and u < 4:
        b /= 1000
        u += 1
    return ("%.1f%s" if u > 0 and b < 9.95 else "%.0f%s") % (b, units[u])


def parse_time(text):
    m = re.fullmatch(r"([\d.]+)(ms|s)", text)
    return float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)


def parse_bytes(text):
    m = re.fullmatch(r"([\d.]+)(B|kB|MB|GB|TB)", text)
    return float(m.group(1)) * 1000 ** ["B", "kB", "MB", "GB", "TB"].index(m.group(2))


# ---- a small DOM of what Chromium dumped -------------------------------------------

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def all(self, tag=None, **attrs):
        return [n for n in self.walk() if (tag is None or n.tag == tag) and
                all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def by_id(self, ident):
        found = self.all(id=ident)
        return found[0] if found else None


class DomParser(html.parser.HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in self.VOID:
            self.cur = node

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


class Page:
    """A page as Chromium drew it: its DOM, its console, its requests."""

    def __init__(self, dom, console, requests):
        self.dom, self.console, self.requests = dom, console, requests
        self.app = dom.by_id("app")

    def rows(self, table_id):
        """The rows of a table's body, each {column key: text}."""
        table = self.dom.by_id(table_id)
        assert table is not None, "no table %s" % table_id
        body = table.all("tbody")[0]
        return [{td.attrs["data-col"]: td.text().strip() for td in tr.all("td")} for tr in body.all("tr")]


def page_requests(netlog):
    """URLs the page itself asked for (the browser's own start no page job)."""
    try:
        log = json.load(open(netlog))
    except (OSError, ValueError):
        return []
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    jobs = [e.get("params", {}) for e in log.get("events", []) if e["type"] == start]
    return [j["url"] for j in jobs if "url" in j and j.get("initiator") != "not an origin"]


def open_page(path, tmp_path, fragment=""):
    work = tempfile.mkdtemp(dir=str(tmp_path), prefix="chromium-")
    netlog = os.path.join(work, "net.json")
    cmd = [CHROMIUM] + CHROMIUM_FLAGS + ["--user-data-dir=" + os.path.join(work, "profile"),
                                         "--enable-logging=stderr", "--v=0", "--log-net-log=" + netlog,
                                         "--dump-dom", "file://" + os.path.abspath(path) + fragment]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=CHROMIUM_ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    parser = DomParser()
    parser.feed(proc.stdout)
    console = [l for l in proc.stderr.splitlines() if ":CONSOLE" in l]
    return Page(parser.root, console, page_requests(netlog))


def screenshot(path, out, height=2400):
    work = tempfile.mkdtemp(prefix="chromium-")
    try:
        subprocess.run([CHROMIUM] + CHROMIUM_FLAGS + ["--user-data-dir=" + work, "--window-size=1360,%d" % height,
                                                      "--screenshot=" + out, "file://" + os.path.abspath(path)],
                       capture_output=True, timeout=60, env=CHROMIUM_ENV)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return os.path.exists(out)


def drawn(page):
    """Asserts the page's script drew everything without an error."""
    assert page.app is not None
    assert page.app.attrs.get("data-status") == "done", page.app.text()[:500]
    assert page.console == [], page.console
    assert page.requests == [], page.requests


# ---- profiles made up for the tests ----------------------------------------------

FIGS = ("cpu_python_s", "cpu_native_s", "system_s", "gpu_s", "alloc_bytes", "alloc_python_bytes",
        "free_bytes", "peak_bytes", "copy_bytes")


def entry(**kw):
    e = {k: 0 for k in FIGS}
    e.update(kw)
    return e


def made_up(files, memory=True, **extra):
    p = {"format": "footprint-profile", "version": 1, "program": "made_up.py", "argv": ["made_up.py"],
         "python": {"executable": "/usr/bin/python3", "version": "3.11.2"}, "elapsed_s": 2.0, "cpu_s": 1.5,
         "exit_code": 0, "sampling": {"cpu_interval_s": 0.01, "alloc_mean_bytes": 16384},
         "memory": {"peak_bytes": 150_000_000, "peak_at_s": 1.2, "profiler_bytes": 2_000_000,
                    "timeline": [[i * 0.02, 50_000_000 + i * 1_000_000] for i in range(101)]} if memory else None,
         "gpu": None, "files": files, "leaks": [],
         "processes": [{"pid": 100, "parent_pid": 1, "argv": ["made_up.py"], "elapsed_s": 2.0}]}
    p.update(extra)
    return p


def big_profile(n_lines=10_000, n_files=20):
    """10,000 lines of realistic length, figures spread as real profiles are."""
    import random
    rnd = random.Random(7)
    files = []
    per = n_lines // n_files
    for fi in range(n_files):
        lines = []
        for k in range(per):
            w = rnd.paretovariate(1.2)
            alloc = int(w * 20_000 * rnd.random())
            line = entry(line=k + 1, source="    value_%d = compute(data[%d], factor=%d) + other(%d)  # note" % (k, k, fi, k),
                         cpu_python_s=w * 1e-3 * rnd.random(), cpu_native_s=w * 1e-3 * rnd.random(),
                         system_s=w * 5e-4 * rnd.random(), alloc_bytes=alloc, alloc_python_bytes=alloc // 2,
                         free_bytes=alloc // 3, peak_bytes=alloc // 4, copy_bytes=alloc // 5)
            if k % 10 == 0:
                line["memory_timeline"] = [int(alloc * rnd.random()) for _ in range(20)]
            lines.append(line)
        funcs = []
        for j in range(0, per, 20):
            fn = entry(name="Module%d.function_%d" % (fi, j), line=j + 1, end_line=j + 20)
            for k in FIGS:
                fn[k] = sum(l[k] for l in lines[j:j + 20])
            funcs.append(fn)
        files.append({"path": "/home/user/project/pkg/module_%d.py" % fi, "lines": lines, "functions": funcs})
    p = made_up(files)
    p["elapsed_s"], p["cpu_s"] = 30.0, 25.0
    p["memory"]["timeline"] = [[i * 0.03, int(1e8 + 5e7 * rnd.random())] for i in range(1000)]
    return p


def view_html(tmp_path, profile, name="p"):
    src = tmp_path / (name + ".json")
    src.write_text(json.dumps(profile) if not isinstance(profile, str) else profile)
    out = tmp_path / (name + ".html")
    proc = subprocess.run([FOOTPRINT, "view", "--quiet", str(src), "--html", str(out)],
                          capture_output=True, text=True, timeout=60)
    return proc, out


# ---- pages of real runs ------------------------------------------------------------

@pytest.fixture(scope="module")
def cpu_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("cpu")
    page, prof = d / "cpu.html", d / "cpu.json"
    proc = subprocess.run([FOOTPRINT, "run", "--python", MAIN_PYTHON, "--json", str(prof), "--html", str(page),
                           program("cpu_phases.py")], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PHASE="0.3"))
    assert proc.returncode == 0, proc.stderr
    return proc, json.load(open(prof)), page, d


@needs_chromium
def test_cpu_phases_page_shows_the_functions_and_their_times(cpu_run):
    proc, profile, page_path, d = cpu_run
    page = open_page(page_path, d)
    drawn(page)
    assert page.dom.by_id("program").text() == program("cpu_phases.py")
    assert page.dom.by_id("exit-code").text() == "exit 0"
    f = next(f for f in profile["files"] if f["path"].endswith("cpu_phases.py"))
    fns = {fn["name"]: fn for fn in f["functions"]}
    rows = {r["function"]: r for r in page.rows("functions-table")}
    for name, key, col in [("python_phase", "cpu_python_s", "python"), ("native_phase", "cpu_native_s", "native"),
                           ("sleep_phase", "system_s", "offcpu")]:
        fn, row = fns[name], rows[name]
        total = fn["cpu_python_s"] + fn["cpu_native_s"] + fn["system_s"]
        assert row[col] == fmt_time(fn[key]), (name, row)
        assert row["time"] == fmt_time(total), (name, row)
        assert row["where"] == "cpu_phases.py:%d" % fn["line"]
        # the truth: each phase ran 0.3 s of its kind
        assert 0.15 < parse_time(row[col]) < 0.5, (name, row)
    # the summary: elapsed, and the split of time in lines, as the terminal report says it
    assert page.dom.by_id("card-elapsed").all("div", **{"class": "value"})[0].text() == fmt_time(profile["elapsed_s"])
    split = page.dom.by_id("card-split").text()
    m = re.search(r"time in lines: Python (\d+)%, native (\d+)%, off-CPU (\d+)%", proc.stderr)
    assert "Python %s%%" % m.group(1) in split and "native %s%%" % m.group(2) in split
    assert "off-CPU %s%%" % m.group(3) in split
    # the hottest line is one of the three phases' lines, with its source
    top = page.rows("lines-table")[0]
    assert top["source"].strip() in {l["source"].strip() for l in f["lines"]}
    # each file's lines, with the line numbers of the profile
    code = page.rows("file-0-table")
    assert {int(r["line"]) for r in code} <= {l["line"] for l in f["lines"]}


@needs_chromium
def test_sorting_by_a_column_and_unfolding_a_file(cpu_run):
    _, profile, page_path, d = cpu_run
    page = open_page(page_path, d, "#click=functions-table-function")
    drawn(page)
    names = [r["function"] for r in page.rows("functions-table")]
    assert names == sorted(names) and len(names) >= 3
    head = page.dom.by_id("functions-table-function")
    assert head.attrs.get("aria-sort") == "ascending"
    # twice: the other way; then by a figure, largest first
    page = open_page(page_path, d, "#click=functions-table-function,functions-table-function")
    names = [r["function"] for r in page.rows("functions-table")]
    assert names == sorted(names, reverse=True)
    page = open_page(page_path, d, "#click=functions-table-offcpu,file-0-toggle")
    drawn(page)
    rows = page.rows("functions-table")
    assert rows[0]["function"] == "sleep_phase"
    offcpu = [parse_time(r["offcpu"]) if r["offcpu"] else 0 for r in rows]
    assert offcpu == sorted(offcpu, reverse=True)
    # the file unfolded: every line of the profile is there
    f = profile["files"][0]
    assert len(page.rows("file-0-table")) == len(f["lines"])


@needs_chromium
@needs_interposer
def test_memory_known_page_shows_the_peak_and_what_allocated(footprint, tmp_path):
    page_path = tmp_path / "memory.html"
    run = footprint([program("memory_known.py")], options=["--html", str(page_path)])
    assert run.returncode == 0, run.stderr
    page = open_page(page_path, tmp_path)
    drawn(page)
    mem = run.profile["memory"]
    peak = page.dom.by_id("card-peak")
    assert peak.all("div", **{"class": "value"})[0].text() == fmt_bytes(mem["peak_bytes"])
    assert "at " + fmt_time(mem["peak_at_s"]) in peak.text()
    # the chart, its peak marked
    chart = page.dom.by_id("memory-chart")
    assert chart is not None and chart.all("path")
    assert "peak %s at %s" % (fmt_bytes(mem["peak_bytes"]), fmt_time(mem["peak_at_s"])) in \
        page.dom.by_id("memory-peak").text()
    rows = {r["function"]: r for r in page.rows("functions-table")}
    native = run.function("memory_known.py", "native_block")
    assert rows["native_block"]["alloc"] == fmt_bytes(native["alloc_bytes"])
    assert rows["native_block"]["peak"] == fmt_bytes(native["peak_bytes"])
    # the truth: 40 + 150 MB allocated there, 20 MB copied ten times
    assert 170e6 < parse_bytes(rows["native_block"]["alloc"]) < 210e6
    assert 180e6 < parse_bytes(rows["copies"]["copy"]) < 240e6
    # memory by line: the largest holder at the peak first, with its line's sparkline
    mem_rows = page.rows("memory-table")
    top = max((l for f in run.profile["files"] for l in f["lines"]), key=lambda l: l["peak_bytes"])
    assert mem_rows[0]["peak"] == fmt_bytes(top["peak_bytes"])
    assert page.dom.by_id("memory-table").all("svg")
    os.makedirs(ARTIFACTS, exist_ok=True)
    assert screenshot(page_path, os.path.join(ARTIFACTS, "report-memory_known.png"), height=2600)


@needs_chromium
def test_program_text_is_shown_as_text(footprint, tmp_path):
    page_path = tmp_path / "markup.html"
    run = footprint([program("html_markup.py")], options=["--html", str(page_path)])
    assert run.returncode == 0, run.stderr
    raw = page_path.read_text()
    assert "<script>alert(1)" not in raw and "<b>x</b>" not in raw
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in raw
    page = open_page(page_path, tmp_path)
    drawn(page)
    src = next(l for l in open(program("html_markup.py")).read().splitlines() if "alert(1)" in l)
    shown = [td.text() for td in page.dom.all("td", data_col="source")]
    assert src in shown, shown
    # nothing from the program became an element: the page's own two scripts, no <b>
    assert len(page.dom.all("script")) == 2
    assert page.dom.all("b") == []
    assert "<module>" in [r["function"] for r in page.rows("functions-table")] or \
        "markup_work" in [r["function"] for r in page.rows("functions-table")]


@needs_chromium
def test_paths_names_and_odd_characters_are_text(tmp_path):
    evil_path = "/tmp/<img src=x onerror=alert(1)>/a&amp;b\u2028.py"
    lines = [entry(line=1, source="x = '<i>\u2028\u2029</i>' # </script>", cpu_python_s=0.5, alloc_bytes=1_250_000),
             entry(line=2, source="<style>body{display:none}</style>", system_s=0.5)]
    funcs = [entry(name="<lambda> </td><td>", line=1, end_line=2, cpu_python_s=0.5, system_s=0.5)]
    profile = made_up([{"path": evil_path, "lines": lines, "functions": funcs}],
                      program="<svg onload=alert(1)>.py", argv=["<svg onload=alert(1)>.py", "--x=<b>"])
    proc, out = view_html(tmp_path, profile)
    assert proc.returncode == 0, proc.stderr
    raw = out.read_text()
    assert "\u2028" not in raw and "\u2029" not in raw and "\\u2028" in raw
    assert "<title>&lt;svg onload=alert(1)&gt;.py" in raw
    page = open_page(out, tmp_path)
    drawn(page)
    assert page.dom.by_id("program").text() == "<svg onload=alert(1)>.py"
    assert [td.text() for td in page.dom.all("td", data_col="source")][:2] == [l["source"] for l in lines]
    assert page.rows("functions-table")[0]["function"] == "<lambda> </td><td>"
    assert evil_path in page.dom.by_id("source").text()
    assert len(page.dom.all("style")) == 1 and len(page.dom.all("script")) == 2
    assert not page.dom.all("img") and not page.dom.all("i") and not page.dom.all("b")
    assert not [n for n in page.dom.walk() if any(a.startswith("on") for a in n.attrs)]
    # 1,250,000 bytes: printf's rounding, ties to even, as the terminal shows it
    assert page.rows("memory-table")[0]["alloc"] == fmt_bytes(1_250_000) == "1.2MB"


@needs_chromium
def test_nothing_is_loaded_from_anywhere(cpu_run, tmp_path):
    _, _, page_path, _ = cpu_run
    raw = page_path.read_text()
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', raw)
    assert csp and "default-src 'none'" in csp.group(1) and "img-src data:" in csp.group(1)
    assert "connect-src" not in csp.group(1)  # default-src 'none' covers it
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", raw, re.I)
    assert not re.search(r"""@import|url\(\s*["']?(https?:|//)""", raw, re.I)
    page = open_page(page_path, tmp_path)
    drawn(page)  # no request in the net log, no CSP complaint in the console
    for n in page.dom.walk():
        for attr in ("src", "href", "xlink:href", "action", "srcset"):
            assert not n.attrs.get(attr) or n.attrs[attr].startswith("#"), (n.tag, n.attrs)
    # the net log does see a page's request: a page that makes one, for contrast
    probe = tmp_path / "probe.html"
    probe.write_text('<!DOCTYPE html><img src="http://footprint-probe.invalid/x.png">')
    assert any("footprint-probe.invalid" in u for u in open_page(probe, tmp_path).requests)


@needs_chromium
def test_ten_thousand_lines_open_fast_and_small(tmp_path):
    profile = big_profile()
    assert sum(len(f["lines"]) for f in profile["files"]) == 10_000
    proc, out = view_html(tmp_path, profile, "big")
    assert proc.returncode == 0, proc.stderr
    size = os.path.getsize(out)
    assert size < 3_000_000, size
    page = open_page(out, tmp_path)
    drawn(page)
    render_ms = float(page.app.attrs["data-render-ms"])
    print("10,000 lines: %.0f kB, drawn in %.0f ms (%s ms after navigation)"
          % (size / 1000, render_ms, page.app.attrs["data-ready-ms"]))
    assert render_ms < 1000, render_ms
    assert float(page.app.attrs["data-ready-ms"]) < 1000  # since navigation: parsing the page too
    # the hottest function of the profile is first, and cold lines are folded away
    fns = [fn for f in profile["files"] for fn in f["functions"]]
    top = max(fns, key=lambda fn: fn["cpu_python_s"] + fn["cpu_native_s"] + fn["system_s"])
    assert page.rows("functions-table")[0]["function"] == top["name"]
    assert len(page.dom.all("tr")) < 2000
    with open(os.path.join(ARTIFACTS if os.path.isdir(ARTIFACTS) else str(tmp_path), "big-profile-timing.txt"), "w") as f:
        f.write("size_bytes %d\nrender_ms %.1f\n" % (size, render_ms))


@needs_chromium
def test_cpu_only_empty_leaks_processes_and_gpu(tmp_path):
    # --cpu-only: memory is null; a file without lines; no files at all
    quiet = made_up([{"path": "/a/empty.py", "lines": [], "functions": []},
                     {"path": "/a/busy.py", "lines": [entry(line=3, source="work()", cpu_python_s=0.2)],
                      "functions": [entry(name="f", line=1, end_line=3, cpu_python_s=0.2)]}], memory=False)
    proc, out = view_html(tmp_path, quiet, "cpu_only")
    assert proc.returncode == 0, proc.stderr
    page = open_page(out, tmp_path)
    drawn(page)
    assert page.dom.by_id("memory-chart") is None and page.dom.by_id("memory-table") is None
    assert "not profiled" in page.dom.by_id("card-peak").text()
    assert "alloc" not in page.rows("functions-table")[0]
    proc, out = view_html(tmp_path, made_up([]), "no_files")
    page = open_page(out, tmp_path)
    drawn(page)
    assert page.dom.by_id("functions-table") is None and "No profiled file" in page.dom.by_id("source").text()
    # the least a profile can be
    proc, out = view_html(tmp_path, {"format": "footprint-profile", "version": 1, "elapsed_s": 1, "cpu_s": 0.5,
                                     "files": [{"path": "/a/b.py", "lines": [{"line": 1, "cpu_python_s": 0.5}]}]},
                          "least")
    assert proc.returncode == 0, proc.stderr
    page = open_page(out, tmp_path)
    drawn(page)
    assert page.rows("file-0-table")[0]["python"] == "500ms"
    # leaks, several processes, a GPU, a line's memory over time
    line = entry(line=5, source="model.step()", cpu_native_s=0.4, gpu_s=0.3, alloc_bytes=80_000_000,
                 peak_bytes=60_000_000, memory_timeline=[0, 20_000_000, 60_000_000, 60_000_000])
    busy = made_up([{"path": "/a/train.py", "lines": [line],
                     "functions": [entry(name="train", line=1, end_line=9, cpu_native_s=0.4, gpu_s=0.3,
                                         alloc_bytes=80_000_000, peak_bytes=60_000_000)]}],
                   gpu={"device": "test"},
                   leaks=[{"path": "/a/train.py", "line": 5, "function": "train", "leaked_bytes": 50_000_000,
                           "rate_bytes_per_s": 25_000_000, "confidence": 0.93}],
                   processes=[{"pid": 100 + i, "parent_pid": 100 if i else 1, "argv": ["train.py", str(i)],
                               "elapsed_s": 2.0 - i / 2, "cpu_s": 1.0, "peak_bytes": 10_000_000, "complete": i != 2}
                              for i in range(3)])
    proc, out = view_html(tmp_path, busy, "busy")
    page = open_page(out, tmp_path)
    drawn(page)
    leak = page.rows("leaks-table")[0]
    assert leak["where"] == "train.py:5" and leak["function"] == "train" and leak["leaked"] == "50MB"
    assert leak["rate"] == "25MB/s" and leak["confidence"] == "93%"
    assert "1" in page.dom.by_id("card-leaks").text()
    procs = page.rows("processes-table")
    assert [r["pid"] for r in procs] == ["100", "101", "102"]
    assert procs[1]["command"] == "train.py 1" and "ended abruptly" in procs[2]["state"]
    assert page.rows("functions-table")[0]["gpu"] == "300ms"
    assert page.dom.by_id("file-0-table").all("svg")  # the line's sparkline


# ---- what is refused ----------------------------------------------------------------

@pytest.mark.parametrize("content,words", BAD_PROFILES)
def test_view_html_refuses_bad_files_with_one_line(tmp_path, content, words):
    proc, out = view_html(tmp_path, content, "bad")
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr, proc.stderr
    assert not out.exists()


def test_html_that_cannot_be_written(tmp_path):
    good = tmp_path / "p.json"
    good.write_text(json.dumps(made_up([])))
    proc = subprocess.run([FOOTPRINT, "view", "--quiet", str(good), "--html", str(tmp_path / "no" / "r.html")],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert proc.stderr.strip() == "footprint: cannot write --html '%s': No such file or directory" % (
        tmp_path / "no" / "r.html")
    proc = subprocess.run([FOOTPRINT, "run", "--html", str(tmp_path / "no" / "r.html"), program("cpu_phases.py")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "cannot write --html" in proc.stderr and proc.stdout == ""


def test_view_html_writes_the_page_of_the_run(cpu_run, tmp_path):
    """view --html of the saved profile makes the page the run made."""
    _, _, page_path, d = cpu_run
    out = tmp_path / "again.html"
    proc = subprocess.run([FOOTPRINT, "view", "--quiet", str(d / "cpu.json"), "--html", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == "", proc.stderr
    assert out.read_text() == page_path.read_text()
