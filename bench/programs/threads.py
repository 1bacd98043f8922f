"""Threads: two threads run pure Python (sharing the GIL, so each waits
for it about half the time), one thread sorts with numpy (the GIL
released, and taken back only between long sorts), and the main thread
waits for them in join().  A profiler should give each thread function
its share of the wall time, call the numpy thread's time native, and
call the main thread's wait off the CPU.
BENCH_SCALE scales the work (default 1).
"""
import os
import threading

import numpy as np

from _truth import phase

SCALE = float(os.environ.get("BENCH_SCALE", 1.0))


@phase()  # Python, but half of it waiting for the GIL: no pure kind
def py_worker_a(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xFFFFFF
    return x


@phase()
def py_worker_b(n):
    x = 1
    for i in range(n):
        x = (x ^ (i << 3)) % 999_983
    return x


@phase("native")
def numpy_worker(n, reps):
    data = np.random.default_rng(2).random(n)
    first = 0.0
    for _ in range(reps):  # few, long sorts: the GIL is taken back rarely
        first += np.sort(data)[0]
    return first


@phase("sleep")
def join_workers(workers):
    for w in workers:
        w.join()


def main():
    workers = [threading.Thread(target=py_worker_a, args=(int(8_000_000 * SCALE),)),
               threading.Thread(target=py_worker_b, args=(int(8_000_000 * SCALE),)),
               threading.Thread(target=numpy_worker, args=(4_000_000, max(1, round(2 * SCALE))))]
    for w in workers:
        w.start()
    join_workers(workers)


if __name__ == "__main__":
    main()
