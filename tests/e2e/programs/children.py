"""Work done in child processes, started in every way Python can.

  children.py MODE

MODE: fork | fork_on_one_line | mp_fork | mp_spawn | mp_forkserver | executor | subprocess |
exec | crash | killed | os_exit | orphan | terminate | env
Each child runs child_work(): 0.3 s of pure Python and a 20 MB bytearray.
Prints one line per child result. With $CHILD_WALLS, each child_work call
appends its wall time (seconds) to that file: on a loaded machine it runs
longer than 0.3 s, and all of that is its time, runnable or not.
"""
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

WORK_S = 0.3
MB = 1_000_000


def child_work(tag=0):
    began = time.perf_counter()
    block = bytearray(20 * MB)
    end = time.perf_counter() + WORK_S
    x = 0
    while time.perf_counter() < end:
        for i in range(2_000):
            x = (x + i * tag) % 7919
    note_wall(time.perf_counter() - began)
    return len(block) + x * 0


def note_wall(seconds):
    path = os.environ.get("CHILD_WALLS")
    if path:
        with open(path, "a") as f:  # one short append: children's lines do not mix
            f.write("%.6f\n" % seconds)


def run_fork():
    pid = os.fork()
    if pid == 0:
        child_work(1)
        os._exit(0)
    os.waitpid(pid, 0)
    print("forked child done")


def run_pool(method, tasks=4):
    ctx = mp.get_context(method)
    with ctx.Pool(2) as pool:
        print(sum(pool.map(child_work, range(tasks))))


def run_executor():
    with ProcessPoolExecutor(max_workers=2) as ex:
        print(sum(ex.map(child_work, range(2))))


def run_subprocess():
    out = subprocess.run([sys.executable, __file__, "work"], capture_output=True, text=True)
    print(out.stdout.strip())


def run_exec():
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, __file__, "work"])


def failing_child(how):
    pid = os.fork()
    if pid == 0:
        child_work(2)
        if how == "crash":
            os.abort()
        if how == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(3)
    _, status = os.waitpid(pid, 0)
    print("child ended", os.waitstatus_to_exitcode(status))


def run_fork_on_one_line():
    data, pid = None, -1
    for step in range(2):
        # made in the parent; in the child, shrunk (realloc) on the same line
        data = bytearray(2 * MB) if data is None else data.__delitem__(slice(10, None)) or data
        if step == 0:
            pid = os.fork()
    if pid == 0:
        child_work(6)
        os._exit(0)
    os.waitpid(pid, 0)
    print("forked child done")


def run_orphan():
    pid = os.fork()
    if pid == 0:
        child_work(3)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # like a daemon: it holds none of the caller's pipes
            os.dup2(null, fd)
        time.sleep(60)  # outlives the program
        os._exit(0)
    print("left a child running")


def run_terminate():
    ctx = mp.get_context("fork")
    pool = ctx.Pool(2)
    pool.map_async(time.sleep, [30, 30])
    time.sleep(0.5)
    pool.terminate()
    pool.join()
    print("terminated")


def run_env():
    print(subprocess.run(["sh", "-c", "echo ${LD_PRELOAD:-none} ${FOOTPRINT_RUN_DIR:-none}"],
                         capture_output=True, text=True).stdout.strip())


def main(mode):
    if mode == "work":
        child_work(4)
        print("worked in", os.getpid())
    elif mode == "fork":
        run_fork()
    elif mode == "fork_on_one_line":
        run_fork_on_one_line()
    elif mode.startswith("mp_"):
        run_pool(mode[3:])
    elif mode == "executor":
        run_executor()
    elif mode == "subprocess":
        run_subprocess()
    elif mode == "exec":
        child_work(5)
        run_exec()
    elif mode in ("crash", "killed", "os_exit"):
        failing_child(mode)
    elif mode == "orphan":
        run_orphan()
    elif mode == "terminate":
        run_terminate()
    elif mode == "env":
        run_env()


if __name__ == "__main__":
    main(sys.argv[1])
