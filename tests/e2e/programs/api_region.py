"""footprint.profile() around a region whose figures are known; prints them as JSON.

  before the region  30 MB bytearray kept (line 25), 20 MB freed inside (line 26),
                     200 MB made and freed (line 27): the process's own peak
  line 47            50 MB bytearray (Python's allocator)
  line 48            40 MB numpy array (native, through the patched slots), or
                     a 40 MB anonymous mapping made on line 39, where numpy is missing
  line 49            spin(): a pure-Python loop, about 0.3 s of CPU (lines 33-34)
  line 50            25 MB after the region
The region's peak is its own: about 70 MB above its start (20 MB freed, 90 MB made).
"""
import json
import mmap
import sys
import time

import footprint

try:
    import numpy
except ImportError:
    numpy = None

MB = 1_000_000
kept_before = bytearray(30 * MB)
freed_inside = bytearray(20 * MB)
spike = bytearray(200 * MB); del spike  # the process's peak comes before the region


def spin(seconds):
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        for _ in range(1000): n += 1  # Python work between clock reads (each a system call)
    return n


def touched_mapping(size):
    block = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)
    for offset in range(0, size, mmap.PAGESIZE):
        block[offset] = 1
    return block


with footprint.profile() as p:
    del freed_inside
    python_block = bytearray(50 * MB)
    native_block = numpy.ones(40 * MB // 8) if numpy is not None else touched_mapping(40 * MB)
    spin(0.3)
after_region = bytearray(25 * MB)
out = sys.argv[1]
p.save(out + ".json")
p.save_html(out + ".html")
p.report()
print(json.dumps({"peak_bytes": p.peak_bytes, "peak_above_start_bytes": p.peak_above_start_bytes, "cpu_s": p.cpu_s,
                  "elapsed_s": p.elapsed_s, "numpy": numpy is not None,
                  "lines": {"del": 46, "python": 47, "native": 48 if numpy is not None else 39, "spin": [33, 34],
                            "kept": 25, "after": 50}}))
