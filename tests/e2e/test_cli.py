"""Bad input gets one line of explanation and a non-zero exit, before the
program runs; good options do what they say."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, PROGRAMS, ROOT, program, total_time


def fp(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 60)
    return subprocess.run([FOOTPRINT] + list(args), **kw)


def one_line_error(proc, *words):
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("footprint: ")
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_help_and_version():
    h = fp("--help")
    assert h.returncode == 0 and "usage: footprint" in h.stdout and "--cpu-only" in h.stdout
    v = fp("--version")
    assert v.returncode == 0 and v.stdout.startswith("footprint ")


@pytest.mark.parametrize("args,words", [
    ([], ["no program"]),
    (["no_such_script.py"], ["no such script", "no_such_script.py"]),
    ([PROGRAMS], ["is a directory"]),
    (["--bogus", "x.py"], ["unknown option", "--bogus"]),
    (["--json"], ["--json", "wants a value"]),
    (["--interval", "abc", "x.py"], ["--interval"]),
    (["--interval", "0", "x.py"], ["--interval"]),
    (["--alloc-sample-bytes", "-5", "x.py"], ["--alloc-sample-bytes"]),
    (["--cpu-only=yes", "x.py"], ["takes no value"]),
    (["-m"], ["-m wants a module"]),
])
def test_usage_errors(args, words):
    one_line_error(fp(*args), *words)


def test_bad_interpreters(tmp_path):
    one_line_error(fp("--python", "no-such-python-here", program("semantics.py")), "no interpreter")
    one_line_error(fp("--python", "/bin/true", program("semantics.py")), "not a Python interpreter")
    one_line_error(fp("--python", str(tmp_path), program("semantics.py")), "not an executable")
    old = os.path.expanduser("~/.pyenv/versions/3.8.18/bin/python3")
    if os.path.exists(old):
        one_line_error(fp("--python", old, program("semantics.py")), "3.8", "3.9 to 3.13")


def test_missing_agent_says_how_to_build_it(tmp_path):
    copy = tmp_path / "python3"
    shutil.copy(os.path.realpath(MAIN_PYTHON), copy)
    proc = fp("--python", str(copy), program("semantics.py"))
    one_line_error(proc, "no agent built", "make PYTHON=%s" % copy)


def test_no_such_module():
    one_line_error(fp("--python", MAIN_PYTHON, "-m", "no_such_module_xyz"), "no such module", "no_such_module_xyz")


def test_unwritable_json_is_refused_before_running(tmp_path):
    marker = tmp_path / "ran"
    script = tmp_path / "s.py"
    script.write_text("open(%r, 'w').write('x')\n" % str(marker))
    one_line_error(fp("--python", MAIN_PYTHON, "--json", "/no/such/dir/p.json", str(script)), "cannot write")
    one_line_error(fp("--python", MAIN_PYTHON, "--json", str(tmp_path), str(script)), "is a directory")
    assert not marker.exists()


def test_nothing_is_left_behind(tmp_path):
    tmp = tmp_path / "tmp"
    work = tmp_path / "work"
    tmp.mkdir()
    work.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    for how in ("ok", "raise", "os_exit", "sigkill"):
        fp("--python", MAIN_PYTHON, program("endings.py"), how, "3", cwd=work, env=env)
    assert os.listdir(tmp) == [] and os.listdir(work) == []


def test_quiet_prints_no_report():
    proc = fp("--python", MAIN_PYTHON, "--quiet", program("endings.py"))
    assert proc.returncode == 0 and proc.stderr == ""


def test_report_fits_80_columns_and_colour_follows_the_rules(tmp_path):
    proc = fp("--python", MAIN_PYTHON, program("cpu_phases.py"), env=dict(os.environ, PHASE="0.3"))
    report = proc.stderr
    assert "python_phase" in report and "sleep_phase" in report
    assert "\033[" not in report  # stderr is not a terminal
    for line in report.splitlines():
        assert len(line) <= 80, line


def test_interval_option(footprint):
    run = footprint([program("endings.py")], options=["--interval", "0.002"])
    # the agent's own word (its fragment), not the launcher's option
    assert run.profile["sampling"]["cpu_interval_s"] == 0.002
    assert run.function("endings.py", "busy_work")["cpu_python_s"] > 0.2


def test_profile_all_include_and_exclude(footprint, tmp_path):
    base = footprint([program("threads.py")])
    assert not any("threading.py" in f["path"] for f in base.profile["files"])
    every = footprint([program("threads.py")], options=["--profile-all"])
    assert any(f["path"].endswith("/threading.py") for f in every.profile["files"])
    inc = footprint([program("threads.py")], options=["--include", "*/threading.py"])
    paths = [os.path.basename(f["path"]) for f in inc.profile["files"]]
    assert "threading.py" in paths and "threads.py" in paths
    exc = footprint([program("threads.py")], options=["--exclude", "threads.py"])
    assert not any(f["path"].endswith("threads.py") for f in exc.profile["files"])


def test_reduced_shows_only_lines_over_five_percent(tmp_path):
    def line(n, seconds):
        figures = dict.fromkeys(["cpu_native_s", "system_s", "gpu_s"], 0.0)
        figures.update(dict.fromkeys(["alloc_bytes", "alloc_python_bytes", "free_bytes", "peak_bytes", "copy_bytes"], 0))
        return dict(figures, line=n, source="line_%d()" % n, cpu_python_s=seconds)
    profile = {"format": "footprint-profile", "version": 1, "program": "p.py", "argv": ["p.py"],
               "python": {"executable": "python3", "version": "3.11.2"}, "elapsed_s": 1.0, "cpu_s": 1.0,
               "exit_code": 0, "sampling": {"cpu_interval_s": 0.01}, "memory": None, "gpu": None,
               "files": [{"path": "/p.py", "functions": [],
                          "lines": [line(1, 0.90), line(2, 0.07), line(3, 0.02), line(4, 0.004)]}],
               "leaks": [], "processes": []}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profile))
    full = fp("view", str(path)).stdout
    reduced = fp("view", "--reduced", str(path)).stdout
    assert all(("line_%d()" % n) in full for n in (1, 2, 3)) and "line_4()" not in full
    assert "line_1()" in reduced and "line_2()" in reduced and "line_3()" not in reduced


def test_cpu_only_has_no_memory(footprint):
    run = footprint([program("endings.py")], options=["--cpu-only"])
    assert run.profile["memory"] is None
    assert "alloc_mean_bytes" not in run.profile["sampling"]


def _report_on_a_terminal(env):
    import pty
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(FOOTPRINT, [FOOTPRINT, "--python", MAIN_PYTHON, program("endings.py")], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out


def test_colour_on_a_terminal_unless_no_color():
    env = dict(os.environ, TERM="xterm")
    env.pop("NO_COLOR", None)
    assert b"\x1b[" in _report_on_a_terminal(env)
    assert b"\x1b[" not in _report_on_a_terminal(dict(env, NO_COLOR="1"))


def test_make_install_gives_a_working_footprint(tmp_path):
    prefix = tmp_path / "prefix"
    build = subprocess.run(["make", "-s", "-C", ROOT, "install", "PREFIX=%s" % prefix],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    installed = str(prefix / "bin" / "footprint")
    out = tmp_path / "p.json"
    proc = subprocess.run([installed, "--python", MAIN_PYTHON, "--quiet", "--json", str(out), program("endings.py")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.load(open(out))["files"]
