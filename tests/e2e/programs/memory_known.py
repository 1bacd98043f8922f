"""Allocations whose sizes are known exactly. Prints the truth as JSON.

  native_keep     40 MB outside Python's allocator, kept to the end
  native_temp     150 MB outside Python's allocator, freed before it returns;
                  the program's peak comes here (native_keep still held)
  python_keep     600,000 small strings in a list, kept
  python_big      a 30 MB bytearray (Python's allocator), kept
  copies          10 copies of 20 MB

Native memory is a numpy array where numpy is installed, else an anonymous
private mapping (mmap), touched page by page.
"""
import json
import mmap
import resource
import sys

try:
    import numpy
except ImportError:
    numpy = None

MB = 1_000_000
PAGE = mmap.PAGESIZE


def native_block(size):
    if numpy is not None:
        return numpy.ones(size // 8)
    block = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)
    for offset in range(0, size, PAGE):
        block[offset] = 1
    return block


def native_keep():
    return native_block(40 * MB)


def native_temp():
    block = native_block(150 * MB)
    first = block[0]
    del block
    return first


def python_keep():
    return [str(i) * 3 for i in range(600_000)]


def python_big():
    return bytearray(30 * MB)


def copies():
    source = bytearray(20 * MB)
    total = 0
    for _ in range(10):
        total += len(bytes(source))
    return total


def main():
    kept = [native_keep()]
    native_temp()
    strings = python_keep()
    kept.append(python_big())
    copies()
    truth = {
        "python_keep_bytes": sys.getsizeof(strings) + sum(map(sys.getsizeof, strings)),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "numpy": numpy is not None,
    }
    print(json.dumps(truth))


if __name__ == "__main__":
    main()
