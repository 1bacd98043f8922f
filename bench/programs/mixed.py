"""Mixed CPU: a pure-Python phase, a numpy phase and a sleeping phase, each
about half a second bare.  A profiler should give each phase its share of
the wall time, and call the first one's time Python, the second's native
and the third's off the CPU.  BENCH_SCALE scales the work (default 1).
"""
import os
import time

import numpy as np

from _truth import phase

SCALE = float(os.environ.get("BENCH_SCALE", 1.0))


@phase("python")
def python_arith(n):
    x = 0
    for i in range(n):
        x = (x + i * i) % 1_000_003
        if x & 1:
            x += 7
    return x


@phase("native")
def numpy_sort(n, reps):
    data = np.random.default_rng(1).random(n)
    first = 0.0
    for _ in range(reps):
        first += np.sort(data)[0]
    return first


@phase("sleep")
def sleep_wait(seconds):
    time.sleep(seconds)


def main():
    python_arith(int(6_000_000 * SCALE))
    numpy_sort(2_000_000, max(1, round(3 * SCALE)))
    sleep_wait(0.5 * SCALE)


if __name__ == "__main__":
    main()
