"""footprint as a Python package: `import footprint` and `python -m
footprint` from the build tree (PYTHONPATH=build/python, as the benchmark
harness uses it), and `pip install .` into a venv, offline."""
import os
import subprocess
import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, ROOT, SANITIZED, program

BUILD_PYTHON = os.path.join(os.path.dirname(FOOTPRINT), "python")
MB = 1_000_000


def _env(**extra):
    env = dict(os.environ)
    env.pop("FOOTPRINT_PYTHON", None)
    env.update(extra)
    return env


def _check_alloc_profile(path, expect_prefix, stdout):
    import json

    with open(path) as f:
        profile = json.load(f)
    assert stdout.strip() == expect_prefix  # the program ran with that interpreter's sys.prefix
    lines = {l["line"]: l for f in profile["files"] if f["path"].endswith("pkg_alloc.py") for l in f["lines"]}
    assert abs(lines[5]["alloc_bytes"] - 50 * MB) <= 0.05 * 50 * MB, lines.get(5)
    return profile


def test_import_from_build_tree(python, tmp_path):
    """Every interpreter make built an agent for imports footprint from
    build/python; `python -m footprint` is the launcher, and runs the
    program with the interpreter it was started by."""
    env = _env(PYTHONPATH=BUILD_PYTHON)
    out = subprocess.run([python, "-c", "import footprint, footprint._native as n; print(footprint.__version__);"
                          "print(n.agent_dir())"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    version, agent = out.stdout.split()
    assert os.path.isdir(agent) and os.path.dirname(os.path.dirname(agent)).startswith(os.path.dirname(FOOTPRINT))
    ver = subprocess.run([python, "-m", "footprint", "--version"], env=env, capture_output=True, text=True)
    assert ver.stdout.strip() == "footprint " + version
    profile = tmp_path / "p.json"
    run = subprocess.run([python, "-m", "footprint", "run", "--quiet", "--json", str(profile), program("pkg_alloc.py")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    prefix = subprocess.run([python, "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True).stdout
    p = _check_alloc_profile(profile, prefix.strip(), run.stdout)
    assert os.path.realpath(p["python"]["executable"]) == os.path.realpath(python)


def test_no_agent_is_a_clear_error(tmp_path):
    """An interpreter with no agent gets one line and status 2 from
    `python -m footprint run`, and footprint's own error from the package."""
    env = _env(PYTHONPATH=BUILD_PYTHON)
    code = ("import footprint._native as n, sys\n"
            "n.agent_key = lambda executable=None: 'no_such_interpreter'\n"
            "try:\n    n.agent_dir()\nexcept n.NoAgentError as e:\n    print('error:', e)\n")
    out = subprocess.run([MAIN_PYTHON, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("error: footprint has no agent for this interpreter"), out
    bad = subprocess.run([MAIN_PYTHON, "-m", "footprint", "run", "--python", "/bin/true", program("pkg_alloc.py")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and bad.stderr.startswith("footprint:"), bad.stderr


@pytest.mark.skipif(SANITIZED, reason="builds footprint again, without the sanitizers")
def test_pip_install_into_venv(tmp_path):
    """`pip install --no-build-isolation .` in a venv, with no package
    index: the venv's `footprint` command profiles a program with the
    venv's interpreter, activated or not, and `python -m footprint` is the
    same CLI."""
    venv = tmp_path / "venv"
    subprocess.run([MAIN_PYTHON, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index", "--no-build-isolation",
                          "--disable-pip-version-check", ROOT], capture_output=True, text=True, timeout=600,
                         env=_env(PIP_NO_INDEX="1"))
    assert pip.returncode == 0, pip.stdout + pip.stderr
    bin_fp = str(venv / "bin" / "footprint")
    assert os.access(bin_fp, os.X_OK)
    # not activated: PATH has no venv, so only the default --python can pick it
    env = _env(PATH="/usr/bin:/bin")
    env.pop("VIRTUAL_ENV", None)
    profile = tmp_path / "p.json"
    run = subprocess.run([bin_fp, "run", "--quiet", "--json", str(profile), program("pkg_alloc.py")],
                         env=env, capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert run.returncode == 0, run.stderr
    _check_alloc_profile(profile, str(venv), run.stdout)
    ver = subprocess.run([str(venv / "bin" / "python"), "-m", "footprint", "--version"], env=env,
                         capture_output=True, text=True, cwd=str(tmp_path))
    assert ver.stdout.startswith("footprint "), ver.stderr
    # the installed package is the venv's own, not the checkout's
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import footprint; print(footprint.__file__)"],
                           env=env, capture_output=True, text=True, cwd=str(tmp_path))
    assert where.stdout.startswith(str(venv)), where
    # the pytest plugin registers itself (pytest11 entry point): no -p needed
    (tmp_path / "test_gate.py").write_text("import pytest\n@pytest.mark.footprint(max_alloc='1MB')\n"
                                           "def test_gate():\n    data = bytes(8 << 20)\n")
    gate = subprocess.run([str(venv / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider", "test_gate.py"],
                          env=env, capture_output=True, text=True, cwd=str(tmp_path), timeout=120)
    assert gate.returncode == 1 and "allocated by test_gate.py:4 test_gate" in gate.stdout, gate.stdout + gate.stderr
