"""A small program to show what footprint reports: pure Python work,
native work (numpy, when installed), memory held and released, waiting,
and a thread.

    footprint examples/demo.py
"""
import threading
import time

try:
    import numpy as np
except ImportError:  # the report then shows Python time only
    np = None


def count_primes(limit):
    """Pure Python: the interpreter's time."""
    primes = []
    for n in range(2, limit):
        if all(n % p for p in primes if p * p <= n):
            primes.append(n)
    return len(primes)


def matrix_work(size):
    """Native code: numpy and BLAS do the work."""
    if np is None:
        return 0.0
    a = np.random.default_rng(0).random((size, size))
    for _ in range(4):
        a = a @ a.T
        a /= a.max()
    return float(a.sum())


def build_table(rows):
    """Memory: a list of small objects kept, a large buffer dropped."""
    table = [{"id": i, "name": "row%d" % i} for i in range(rows)]
    scratch = bytearray(50_000_000)
    del scratch
    return table


def wait_for_io():
    """Off the CPU: sleeping stands in for I/O."""
    time.sleep(0.4)


def main():
    worker = threading.Thread(target=count_primes, args=(60_000,))
    worker.start()
    print("primes:", count_primes(40_000))
    print("matrix:", round(matrix_work(700), 3))
    print("rows:", len(build_table(300_000)))
    wait_for_io()
    worker.join()


if __name__ == "__main__":
    main()
