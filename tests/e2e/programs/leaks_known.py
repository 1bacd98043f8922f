"""Allocation sites whose fate is known: three leak, the others do not.

  python_leak    keeps a 10 kB string every iteration          (leaks)
  native_leak    keeps a 20 kB native block every iteration     (leaks)
  slow_leak      keeps a 20 kB native block every 5th iteration (leaks, slower)
  kept_or_dropped two lines alike, one keeps its block, one drops it
                 (the first leaks, the second does not)
  load_model     one 80 MB block at the start, kept             (not a leak)
  fill_cache     a cache that fills in the first third, then only reads (not)
  churn          makes and drops blocks every iteration         (not)

Native blocks are numpy arrays where numpy is installed, else anonymous
private mappings; `native` is a C callable, so each block is allocated on
the line that calls it. ITERATIONS sets the length (default 2500).
"""
import functools
import mmap
import os
import time

try:
    import numpy
except ImportError:
    numpy = None

ITERATIONS = int(os.environ.get("ITERATIONS", "2500"))

if numpy is not None:
    native = functools.partial(numpy.empty, dtype=numpy.uint8)
else:
    native = functools.partial(mmap.mmap, -1, flags=mmap.MAP_PRIVATE)

strings, blocks, slow, kept, cache = [], [], [], [], {}


def python_leak(i):
    strings.append(str(i) * 2500)


def native_leak(i):
    blocks.append(native(20_000))


def slow_leak(i):
    if i % 5 == 0:
        slow.append(native(20_000))


def kept_or_dropped(i):
    a = native(20_000)
    b = native(20_000)
    kept.append(a)
    return len(b)


def load_model():
    return native(80_000_000)


def fill_cache(i):
    key = i % (ITERATIONS // 3)
    if key not in cache:
        cache[key] = native(20_000)
    return cache[key]


def churn(i):
    return len(native(50_000))


def work():
    x = 0
    for i in range(300):
        x = (x + i * i) % 7919
    return x


def main():
    model = load_model()
    for i in range(ITERATIONS):
        work()
        python_leak(i)
        native_leak(i)
        slow_leak(i)
        kept_or_dropped(i)
        fill_cache(i)
        churn(i)
    time.sleep(0.05)
    print(len(model) > 0, len(strings), len(blocks), len(slow), len(kept), len(cache))


if __name__ == "__main__":
    main()
