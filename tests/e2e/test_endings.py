"""Runs that end badly still give a profile, and footprint's exit status
is the program's (128+N when it was killed by signal N)."""
import os
import pty
import signal
import subprocess
import time

from conftest import FOOTPRINT, MAIN_PYTHON, program


def busy(run):
    fn = run.function("endings.py", "busy_work")
    assert fn is not None, "no profile of busy_work"
    return fn["cpu_python_s"]


def test_uncaught_exception(footprint, python):
    run = footprint([program("endings.py"), "raise"], python=python)
    assert run.returncode == 1
    assert "ValueError" in run.stderr
    assert busy(run) > 0.2


def test_sys_exit(footprint):
    run = footprint([program("endings.py"), "exit", "5"])
    assert run.returncode == 5 and run.profile["exit_code"] == 5
    assert busy(run) > 0.2


def test_os_exit(footprint, python):
    run = footprint([program("endings.py"), "os_exit", "6"], python=python)
    assert run.returncode == 6
    assert busy(run) > 0.2
    assert run.profile["complete"] is True


def test_sigterm(footprint, python):
    run = footprint([program("endings.py"), "sigterm"], python=python)
    assert run.returncode == 128 + signal.SIGTERM
    assert busy(run) > 0.2


def test_sigkill_leaves_the_last_snapshot(footprint):
    run = footprint([program("endings.py"), "sigkill"])
    assert run.returncode == 128 + signal.SIGKILL
    assert busy(run) > 0.2
    assert run.profile["complete"] is False


def test_sigterm_sent_to_footprint_reaches_the_program(tmp_path):
    out = tmp_path / "p.json"
    proc = subprocess.Popen([FOOTPRINT, "--python", MAIN_PYTHON, "--json", str(out), program("endings.py"), "wait"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "worked\n"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert out.exists()


def test_sigint_sent_to_footprint_is_a_keyboard_interrupt(tmp_path):
    out = tmp_path / "p.json"
    proc = subprocess.Popen([FOOTPRINT, "--python", MAIN_PYTHON, "--json", str(out), program("endings.py"),
                             "wait_sigint"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "worked\n"
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    assert rest == "interrupted\n"
    assert "KeyboardInterrupt" in err
    assert proc.returncode == 128 + signal.SIGINT
    assert out.exists()


def test_ctrl_c_in_a_terminal_interrupts_the_program_once(tmp_path):
    out = tmp_path / "p.json"
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(FOOTPRINT, [FOOTPRINT, "--python", MAIN_PYTHON, "--json", str(out),
                             program("endings.py"), "wait_sigint"])
    text = b""
    deadline = time.time() + 30
    while b"ready" not in text and time.time() < deadline:
        text += os.read(fd, 1024)
    os.write(fd, b"\x03")  # the terminal sends SIGINT to the whole foreground group
    try:
        while time.time() < deadline:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            text += chunk
    except OSError:
        pass
    _, status = os.waitpid(pid, 0)
    assert text.count(b"interrupted") == 1
    assert text.count(b"KeyboardInterrupt") == 1
    assert os.waitstatus_to_exitcode(status) == 128 + signal.SIGINT
    assert out.exists()
