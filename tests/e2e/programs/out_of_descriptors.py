"""Leaks files until it has no descriptor left (its soft limit lowered to
256, so that this is quick), then works a little: the profile must still
be written, with the work in it."""
import resource
import time

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, soft), hard))
files = []
try:
    while True:
        files.append(open("/dev/null"))
except OSError as e:
    print("out of descriptors:", e.strerror)
end = time.perf_counter() + 0.4
while time.perf_counter() < end:
    blob = [bytearray(1000) for _ in range(1000)]
