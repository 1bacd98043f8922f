"""Call paths whose figures are known: stacks_known.py [fork]

  helper(n)   allocates n bytes (bytearrays of 1 MB, kept) and spins CPU
              in proportion: 0.2 s of Python per 10 MB; the time each
              spin took on a CPU or waiting for one is in the truth
  load_data   calls helper for 40 MB (0.8 s)
  predict     calls helper for 10 MB (0.2 s)
  rec(d)      recurses DEPTH times, then spins 0.6 s at the bottom
With "fork", a child process runs predict once more (the same path in
another process: its figures add to the parent's).
Prints the truth as JSON.
"""
import json
import os
import sys
import time

MB = 1_000_000
BLOCK = 1_000_000  # over 32 sampling means: every block is sampled at its size
DEPTH = 25
kept = []
spent = {}  # who -> seconds on a CPU or waiting for one, as the kernel counts them


def thread_busy():
    """This thread's time on a CPU and waiting for one (schedstat): what a
    profile charges as CPU time; on a loaded machine, more than its CPU."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            run, wait = f.read().split()[:2]
        return (int(run) + int(wait)) / 1e9
    except OSError:
        return time.thread_time()


def spin(seconds, who):
    start = thread_busy()
    end = time.thread_time() + seconds
    x = 0
    while time.thread_time() < end:
        for i in range(2000):
            x += i
    spent[who] = spent.get(who, 0.0) + thread_busy() - start
    return x


def helper(n, who):
    for _ in range(n // BLOCK):
        kept.append(bytearray(BLOCK))
    spin(n / MB * 0.02, who)


def load_data():
    helper(40 * MB, "load_data")


def predict():
    helper(10 * MB, "predict")


def rec(d):
    if d == 0:
        spin(0.6, "rec")
        return
    rec(d - 1)


if __name__ == "__main__":
    load_data()
    predict()
    rec(DEPTH)
    if len(sys.argv) > 1 and sys.argv[1] == "fork":
        pid = os.fork()
        if pid == 0:
            predict()
            os._exit(0)
        os.waitpid(pid, 0)
    print(json.dumps({"load_data": 40 * MB, "predict": 10 * MB, "depth": DEPTH, "block": BLOCK,
                      "spent": spent}))
