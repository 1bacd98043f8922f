"""%load_ext footprint in a real Jupyter kernel (ipykernel, run by
nbclient) and in terminal IPython: the magics run cells in the notebook's
namespace, show the HTML report inline with the right figures, profile
only their own cell, and survive an exception and an interrupt.

Needs Debian's python3-ipykernel, python3-nbclient, python3-nbformat and
ipython3: skipped, with the reason, on interpreters without them."""
import html
import json
import os
import re
import subprocess
import threading
import time

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, needs_interposer

BUILD_PYTHON = os.path.join(os.path.dirname(FOOTPRINT), "python")
MB = 1_000_000


def _has(python, modules):
    return subprocess.run([python, "-c", "import " + ", ".join(modules)], capture_output=True).returncode == 0


def _kernel_env(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", BUILD_PYTHON)
    for name in [n for n in os.environ if n.startswith("FOOTPRINT_")]:
        monkeypatch.delenv(name)
    preload = [p for p in os.environ.get("LD_PRELOAD", "").split(":") if p and "footprint" not in p]
    monkeypatch.setenv("LD_PRELOAD", ":".join(preload))


def _page_profile(outputs):
    """The profile inside the HTML report a cell displayed."""
    for out in outputs:
        frame = out.get("data", {}).get("text/html", "")
        m = re.search(r'srcdoc="([^"]*)"', frame)
        if m:
            page = html.unescape(m.group(1))
            data = re.search(r'<script type="application/json" id="profile">(.*?)</script>', page, re.S)
            return json.loads(data.group(1))
    raise AssertionError("no HTML report among %r" % outputs)


def _lines(page, name):
    """{line: figures} of file NAME in the page's digest of the profile,
    whose line rows are [line, source, Python s, native s, off-CPU s,
    GPU s, allocated, at peak, copied, ...] (html.c)."""
    for f in page["files"]:
        if f["path"] == name:
            return {r[0]: {"source": r[1], "cpu_python_s": r[2], "cpu_native_s": r[3], "system_s": r[4],
                           "alloc_bytes": r[6]} for r in f["lines"]}
    return {}


CELL_PROFILED = """%%footprint
import numpy as np, time
big = np.ones(25_000_000)
total = 0
for i in range(3_000_000):
    total += i
time.sleep(0.5)"""


@needs_interposer
def test_notebook_cells(monkeypatch):
    if not _has(MAIN_PYTHON, ["ipykernel", "nbclient", "nbformat", "numpy"]):
        pytest.skip("%s has no ipykernel, nbclient, nbformat or numpy (apt: python3-ipykernel ...)" % MAIN_PYTHON)
    import nbformat
    from jupyter_client.utils import run_sync
    from nbclient import NotebookClient

    _kernel_env(monkeypatch)
    cells = ["%load_ext footprint", CELL_PROFILED, "print(big.shape, total)",
             "%%footprint\nsmall = bytearray(30_000_000)", "%%footprint --bogus\nnever = 1",
             "%%footprint\nimport time\ntime.sleep(60)", "%%footprint\nafter = bytearray(20_000_000)",
             "print(after is not None, 'never' in dir())",
             "def make(n):\n    return bytearray(n)", "%%footprint\nmade = make(15_000_000)",
             "%%footprint\npartial = bytearray(10_000_000)\nraise ValueError('boom')"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(nb, kernel_name="python3", timeout=180, allow_errors=True)
    with client.setup_kernel():
        for i in range(5):
            client.execute_cell(nb.cells[i], i)
        # the sleep cell is interrupted, as the frontend's stop button does
        # (nbclient's kernel manager is asynchronous: run its call to the end)
        timer = threading.Timer(4.0, run_sync(client.km.interrupt_kernel))
        timer.start()
        began = time.monotonic()
        client.execute_cell(nb.cells[5], 5)
        timer.cancel()
        interrupted_after = time.monotonic() - began
        for i in range(6, len(cells)):
            client.execute_cell(nb.cells[i], i)
    outs = [c.outputs for c in nb.cells]

    profile = _page_profile(outs[1])
    lines = _lines(profile, "In [2]")
    assert abs(lines[3]["alloc_bytes"] - 200 * MB) <= 0.05 * 200 * MB, lines.get(3)
    loop = lines[6]
    assert loop["cpu_python_s"] > 0.6 * (loop["cpu_python_s"] + loop["cpu_native_s"]), loop
    sleep = lines[7]
    assert sleep["system_s"] > 0.2 and sleep["cpu_python_s"] + sleep["cpu_native_s"] < 0.2, sleep

    assert "(25000000,) 4499998500000" in "".join(o.get("text", "") for o in outs[2])  # the cell's variables

    second = _page_profile(outs[3])
    assert [f["path"] for f in second["files"]] == ["In [4]"], second["files"]
    assert abs(_lines(second, "In [4]")[2]["alloc_bytes"] - 30 * MB) <= 0.05 * 30 * MB

    bad = "".join(o.get("text", "") for o in outs[4])
    assert "usage" in bad and "--bogus" in bad and not any("data" in o for o in outs[4])

    assert interrupted_after < 40
    assert any(o.get("ename") == "KeyboardInterrupt" for o in outs[5]), outs[5]
    after = _page_profile(outs[6])
    assert abs(_lines(after, "In [7]")[2]["alloc_bytes"] - 20 * MB) <= 0.05 * 20 * MB
    assert "True False" in "".join(o.get("text", "") for o in outs[7])

    # code from an earlier cell is charged to that cell's lines, named by its count
    called = _page_profile(outs[9])
    assert [f["path"] for f in called["files"]] == ["In [9]"], called["files"]  # In [10]'s line: self figures 0
    made = _lines(called, "In [9]")[2]
    assert abs(made["alloc_bytes"] - 15 * MB) <= 0.05 * 15 * MB and "bytearray(n)" in made["source"], made

    # an exception: its traceback, and the profile up to it
    assert any(o.get("ename") == "ValueError" for o in outs[10]), outs[10]
    assert "boom" in "".join("".join(o.get("traceback", [])) for o in outs[10])
    partial = _lines(_page_profile(outs[10]), "In [11]")[2]
    assert abs(partial["alloc_bytes"] - 10 * MB) <= 0.05 * 10 * MB, partial


IPYTHON_SCRIPT = """
get_ipython().run_line_magic("load_ext", "footprint")
def helper():
    return bytearray(40_000_000)
"""


def test_terminal_ipython_prints_the_text_report(tmp_path, monkeypatch):
    ipython = "/usr/bin/ipython3"
    if not os.path.exists(ipython):
        pytest.skip("no terminal IPython (apt: ipython3)")
    _kernel_env(monkeypatch)
    script = tmp_path / "session.ipy"
    script.write_text("%load_ext footprint\n"
                      "def helper():\n    return bytearray(40_000_000)\n\n"
                      "%footprint kept = helper()\n"
                      "print('kept', len(kept))\n")
    done = subprocess.run([ipython, "--no-banner", "--colors=NoColor", str(script)], capture_output=True, text=True,
                          timeout=120, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    out = done.stdout + done.stderr
    assert "kept 40000000" in out
    assert "elapsed" in out and "<iframe" not in out  # the text report, not the HTML
    assert "<ipython-input" not in out and "/tmp/footprint-cells" not in out
