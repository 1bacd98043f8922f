"""Nothing breaks under the profiler: many threads allocating at once,
fork, non-Python programs started by the program, C++ programs, the
program's own LD_PRELOAD and sitecustomize."""
import os
import shutil
import subprocess
import textwrap

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, ROOT, SANITIZED, program, total_time


def test_eight_threads_allocating_at_once(footprint, python):
    # the sanitizer's allocator is not fork-safe: see stress_threads.py
    env = dict(os.environ, FORK_FIRST="1" if SANITIZED else "0")
    run = footprint([program("stress_threads.py")], python=python, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "8"
    churn = run.function("stress_threads.py", "churn")
    assert churn["alloc_bytes"] > 10_000_000
    assert churn["cpu_python_s"] > 0
    mem = run.profile["memory"]
    # the profiler's own memory stays bounded however much goes through it
    assert mem["profiler_bytes"] < 10_000_000 + 0.02 * mem["peak_bytes"], mem["profiler_bytes"]


def test_non_python_children_run_untouched(footprint, tmp_path):
    script = tmp_path / "children.py"
    script.write_text(textwrap.dedent("""
        import subprocess
        print(subprocess.run(["sh", "-c", "echo from sh; ls / | head -1"], capture_output=True, text=True).stdout, end="")
        print(subprocess.run(["gcc", "--version"], capture_output=True, text=True).returncode)
    """))
    run = footprint([str(script)])
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "from sh"
    assert run.stdout.splitlines()[-1] == "0"


def test_the_programs_own_ld_preload_and_pythonpath_stay(footprint, tmp_path):
    lib = tmp_path / "libmine.so"
    src = tmp_path / "mine.c"
    src.write_text("int mine_loaded(void) { return 42; }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", str(src), "-o", str(lib)], check=True)
    pkg = tmp_path / "site"
    pkg.mkdir()
    (pkg / "sitecustomize.py").write_text("import builtins\nbuiltins.USER_SITECUSTOMIZE = True\n")
    (pkg / "mymod.py").write_text("VALUE = 7\n")
    script = tmp_path / "env.py"
    script.write_text(textwrap.dedent("""
        import builtins, ctypes, os, subprocess, sys
        import mymod
        print(mymod.VALUE, getattr(builtins, "USER_SITECUSTOMIZE", False),
              ctypes.CDLL(None).mine_loaded())
        if len(sys.argv) == 1:  # and the same in a child
            sys.stdout.flush()
            subprocess.run([sys.executable, __file__, "child"])
    """))
    preload = ":".join(filter(None, [os.environ.get("LD_PRELOAD"), str(lib)]))  # a sanitizer runtime stays first
    env = dict(os.environ, LD_PRELOAD=preload, PYTHONPATH=str(pkg))
    run = footprint([str(script)], env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["7", "True", "42"] * 2
    assert len(run.profile["processes"]) == 2


def test_a_cxx_extension_style_program_under_the_interposer(tmp_path):
    exe = tmp_path / "newdelete"
    subprocess.run(["g++", "-std=c++17", "-O2", os.path.join(ROOT, "tests", "stress", "newdelete.cc"),
                    "-o", str(exe)], check=True)
    lib = os.path.join(os.path.dirname(FOOTPRINT), "lib", "footprint", "libfootprint_alloc.so")
    preload = ":".join(filter(None, [os.environ.get("LD_PRELOAD"), lib]))
    proc = subprocess.run([str(exe)], env=dict(os.environ, LD_PRELOAD=preload), capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "29890000"


def test_samples_landing_while_python_is_entered_from_c(footprint, python):
    # dense sampling makes a sample inside a frame's set-up all but certain
    for _ in range(3):
        run = footprint([program("calls_from_c.py")], python=python,
                        options=["--interval", "0.001", "--alloc-sample-bytes", "1024"])
        assert run.returncode == 0, run.stderr[:3000]  # a sanitizer's report comes first
        assert run.stdout.strip() == "8"


@pytest.mark.parametrize("mode", [[], ["--cpu-only"]], ids=["memory", "cpu-only"])
def test_a_program_that_closes_every_descriptor(footprint, tmp_path, mode):
    # its new files take the numbers the profiler's descriptors had: the
    # profiler must neither touch them nor stop measuring
    data = tmp_path / "data"
    data.mkdir()
    run = footprint([program("close_all_fds.py"), str(data)], options=mode)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "files intact"
    assert sorted(os.listdir(data)) == ["f%d" % i for i in range(8)]
    lines = run.lines("close_all_fds.py")
    src = open(program("close_all_fds.py")).read().splitlines()
    sleep = next(n for n, text in enumerate(src, 1) if text.startswith("time.sleep"))
    # the sampler thread still measures off-CPU time after the close
    assert lines[sleep]["system_s"] > 0.35, lines.get(sleep)
    if not mode:
        timeline = run.profile["memory"]["timeline"]
        assert timeline[-1][0] > 1.0, timeline[-3:]


def test_a_program_out_of_descriptors_still_gets_its_profile(footprint):
    run = footprint([program("out_of_descriptors.py")])
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "out of descriptors: Too many open files"
    assert run.profile is not None, run.stderr
    assert all(p["complete"] for p in run.profile["processes"]), run.profile["processes"]
    lines = run.lines("out_of_descriptors.py")
    src = open(program("out_of_descriptors.py")).read().splitlines()
    work = next(n for n, text in enumerate(src, 1) if "bytearray(1000)" in text)
    assert total_time(lines[work]) > 0.2, lines.get(work)  # it ran 0.4 s
    assert lines[work]["alloc_bytes"] > 1_000_000, lines.get(work)
    assert run.profile["memory"]["peak_bytes"] > 0
