"""The program sees what it would see under plain python3, and its exit
status is footprint's."""
import json
import os
import subprocess

from conftest import FOOTPRINT, MAIN_PYTHON, PROGRAMS, program


def bare(args, **kw):
    return subprocess.run([MAIN_PYTHON] + args, capture_output=True, text=True, **kw)


def test_program_sees_its_own_argv_name_path_cwd_stdin_and_env(footprint, tmp_path):
    args = [program("semantics.py"), "--json", "y", "-m", "x", "--", "last word"]
    env = dict(os.environ, SEMANTICS_ENV="kept")
    run = footprint(args, input="from stdin\n", cwd=tmp_path, env=env)
    want = bare(args, input="from stdin\n", cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    seen, expected = json.loads(run.stdout), json.loads(want.stdout)
    assert seen == expected
    assert seen["argv"][1:] == ["--json", "y", "-m", "x", "--", "last word"]
    assert seen["name"] == "__main__" and seen["stdin"] == "from stdin\n" and seen["env"] == "kept"
    assert not seen["boot_on_path"]
    # the program's own "--json y" did not become footprint's
    assert not (tmp_path / "y").exists() and run.profile is not None


def test_short_form_without_run(tmp_path):
    out = tmp_path / "p.json"
    proc = subprocess.run([FOOTPRINT, "--python", MAIN_PYTHON, "--json", str(out), program("semantics.py"), "7"],
                          capture_output=True, text=True, input="")
    assert proc.returncode == 7
    assert json.loads(proc.stdout)["argv"][1:] == ["7"]
    assert json.load(open(out))["exit_code"] == 7


def test_module_mode(footprint):
    env = dict(os.environ, PHASE="0.3")
    run = footprint(["-m", "pkg", "a", "--quiet", "b"], cwd=PROGRAMS, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "a --quiet b"
    assert run.profile["program"] == "-m pkg"
    main_lines = run.lines("__main__.py")
    assert sum(l["cpu_python_s"] for l in main_lines.values()) > 0.15


def test_exit_status_is_the_programs(footprint):
    run = footprint([program("semantics.py"), "3"], input="")
    assert run.returncode == 3
    assert run.profile["exit_code"] == 3


def test_timers_and_signal_handlers_keep_working(footprint, python):
    run = footprint([program("signals.py")], python=python)
    assert run.returncode == 0, run.stderr
    fields = dict(kv.split("=") for kv in run.stdout.split())
    assert int(fields["alarm"]) >= 8
    assert int(fields["usr1"]) == 1
    assert float(fields["slept"]) >= 0.29


def test_stdout_and_stderr_stay_the_programs(footprint):
    run = footprint([program("endings.py"), "raise"])
    assert run.stdout == "worked\n"
    assert "ValueError: the program failed on purpose" in run.stderr
    assert run.stderr.index("Traceback") < run.stderr.index("footprint")
