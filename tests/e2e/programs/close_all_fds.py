"""Closes every descriptor it did not open, as a daemon does, then opens
files of its own: they get the lowest free numbers, which may be numbers
the profiler (or libunwind, inside it) had. It copies memory (time in
libc, which the profiler unwinds), sleeps, and checks that its files hold
exactly what it wrote. argv[1]: a directory for the files."""
import os
import sys
import time

os.closerange(3, 1 << 20)
files = [open(os.path.join(sys.argv[1], "f%d" % i), "w+b") for i in range(8)]
for i, f in enumerate(files):
    f.write(bytes([65 + i]) * 1000)
    f.flush()
end = time.perf_counter() + 0.6
while time.perf_counter() < end:
    blob = bytes(bytearray(1 << 20))
time.sleep(0.5)
for i, f in enumerate(files):
    f.seek(0)
    data = f.read()
    assert data == bytes([65 + i]) * 1000, (i, len(data), data[:16])
print("files intact")
