"""Three phases of known length: pure Python, native code, sleeping.

Native work is a numpy sort where numpy is installed, else zlib's crc32
over a large buffer (an extension module in most builds; unlike
compressing, it allocates nothing, so no time goes to the kernel). PHASE sets each phase's seconds.
Prints the phases' wall times and the process's CPU time as JSON on stdout.
"""
import json
import os
import time
import zlib

PHASE = float(os.environ.get("PHASE", "0.6"))

try:
    import numpy
except ImportError:
    numpy = None


def python_phase(seconds):
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        for i in range(10_000):
            x = (x + i * i) % 1_000_003
    return x


def native_phase(seconds):
    end = time.perf_counter() + seconds
    if numpy is not None:
        data = numpy.random.default_rng(0).random(1_000_000)
        while time.perf_counter() < end:
            numpy.sort(data)
    else:
        data = bytes(range(256)) * (1 << 14)
        while time.perf_counter() < end:
            zlib.crc32(data)


def sleep_phase(seconds):
    time.sleep(seconds)


def main():
    walls = {}
    for phase in (python_phase, native_phase, sleep_phase):
        start = time.perf_counter()
        phase(PHASE)
        walls[phase.__name__] = time.perf_counter() - start
    print(json.dumps({"walls": walls, "cpu_s": time.process_time()}))


if __name__ == "__main__":
    main()
