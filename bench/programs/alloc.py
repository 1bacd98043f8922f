"""Allocations of known size, some kept and some dropped:

  numpy_keep    one 50 MB numpy array, kept to the end
  numpy_drop    a 100 MB numpy array, summed and dropped (3 calls)
  objects_keep  1,000,000 small bytes objects in a list, kept to the end
  objects_drop  1,000,000 small bytes objects in a list, dropped (3 calls)

Each phase states the bytes it allocates exactly (sys.getsizeof of what
it made).  The small objects are built without temporaries: a list made
at its final size, filled from a list of indices made beforehand, with
bytes(40) (73 bytes each), so the phase allocates nothing else.
BENCH_SCALE scales the sizes (default 1).
"""
import os
import sys

import numpy as np

from _truth import add_bytes, phase

SCALE = float(os.environ.get("BENCH_SCALE", 1.0))
MB = 1_000_000
OBJECT_BYTES = sys.getsizeof(bytes(40))  # 73 on 64-bit CPython


@phase()
def numpy_keep(nbytes):
    return np.ones(nbytes // 8)


@phase()
def numpy_drop(nbytes):
    a = np.ones(nbytes // 8)
    total = float(a.sum())
    add_bytes("numpy_drop", freed=sys.getsizeof(a))
    return total


@phase()
def objects_keep(indices):
    items = [None] * len(indices)
    for k in indices:
        items[k] = bytes(40)
    return items


@phase()
def objects_drop(indices):
    items = [None] * len(indices)
    for k in indices:
        items[k] = bytes(40)
    size = sys.getsizeof(items) + len(items) * OBJECT_BYTES
    del items
    add_bytes("objects_drop", freed=size)
    return size


def main():
    n = int(1_000_000 * SCALE)
    indices = list(range(n))
    kept = numpy_keep(int(50 * MB * SCALE))
    add_bytes("numpy_keep", kept=sys.getsizeof(kept), freed=0)
    objects = objects_keep(indices)
    add_bytes("objects_keep", kept=sys.getsizeof(objects) + len(objects) * OBJECT_BYTES, freed=0)
    for _ in range(3):
        numpy_drop(int(100 * MB * SCALE))
    for _ in range(3):
        objects_drop(indices)
    add_bytes("numpy_drop", kept=0)
    add_bytes("objects_drop", kept=0)
    assert all(sys.getsizeof(o) == OBJECT_BYTES for o in objects[:10])


if __name__ == "__main__":
    main()
