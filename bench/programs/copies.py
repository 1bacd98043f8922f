"""Copies of known volume, all numpy arrays of 50 MB:

  copy_new     60 copies with .copy(): each allocates a new array (dropped
               right away) and copies 50 MB into it
  copy_into    120 copies with np.copyto into one array made beforehand:
               copies 50 MB each, allocates nothing
  no_copy      sums the array 100 times: reads it, copies nothing

copy_new copies 3 GB, copy_into 6 GB, no_copy nothing.  A profiler that
reports copy volume should put it on the first two, in that ratio.
BENCH_SCALE scales the number of copies (default 1).
"""
import os
import sys

import numpy as np

from _truth import add_bytes, phase

SCALE = float(os.environ.get("BENCH_SCALE", 1.0))
MB = 1_000_000


@phase()
def copy_new(src, times):
    total = 0.0
    for _ in range(times):
        dst = src.copy()
        total += dst[-1]
        add_bytes("copy_new", freed=sys.getsizeof(dst), copied=dst.nbytes)
        del dst
    return total


@phase()
def copy_into(src, dst, times):
    for _ in range(times):
        np.copyto(dst, src)
    add_bytes("copy_into", kept=0, freed=0, copied=times * src.nbytes)
    return float(dst[-1])


@phase()
def no_copy(src, times):
    total = 0.0
    for _ in range(times):
        total += float(src.sum())
    add_bytes("no_copy", kept=0, freed=0, copied=0)
    return total


def main():
    src = np.ones(50 * MB // 8)
    dst = np.empty_like(src)
    dst.fill(0.0)  # touch it now, so copy_into does no page faults
    n = max(1, round(60 * SCALE))
    copy_new(src, n)
    add_bytes("copy_new", kept=0)
    copy_into(src, dst, 2 * n)
    no_copy(src, max(1, round(100 * SCALE)))


if __name__ == "__main__":
    main()
