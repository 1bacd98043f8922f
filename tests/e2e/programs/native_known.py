"""Native functions with known work, called from known lines (for
--native-stacks): native_known.py LIBRARY [numpy].

Line spin_a spins 0.6 s of CPU in the library's burn_cpu (through
spin_native), line spin_b 0.3 s; line hold has hold_blocks allocate and
keep 640 blocks of 64 kB. With "numpy", line matmul multiplies matrices
for about 0.5 s. Prints, as JSON, the time each spin took (wall clock:
on a loaded machine footprint counts a thread's waits for a CPU with its
work, as the wall clock does), the bytes held and the line numbers."""
import ctypes
import inspect
import json
import sys
import time

lib = ctypes.CDLL(sys.argv[1])
lib.spin_native.argtypes = [ctypes.c_double]
lib.spin_native.restype = ctypes.c_ulong
lib.hold_blocks.argtypes = [ctypes.c_int, ctypes.c_size_t]
lib.hold_blocks.restype = ctypes.c_int
BLOCKS, SIZE = 640, 64 * 1024
lines = {}


def here():
    """The number of the line after the caller's."""
    return inspect.currentframe().f_back.f_lineno + 1


def main():
    spent = {}
    t0 = time.monotonic()
    lines["spin_a"] = here()
    lib.spin_native(0.6)
    spent["spin_a"] = time.monotonic() - t0
    t0 = time.monotonic()
    lines["spin_b"] = here()
    lib.spin_native(0.3)
    spent["spin_b"] = time.monotonic() - t0
    lines["hold"] = here()
    held = lib.hold_blocks(BLOCKS, SIZE)
    if len(sys.argv) > 2 and sys.argv[2] == "numpy":
        import numpy as np
        a = np.random.rand(400, 400)
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            lines["matmul"] = here()
            b = a @ a
        del b
    print(json.dumps({"spent": spent, "held_bytes": held * SIZE, "lines": lines}))


main()
