"""Run as `-m pkg`: spends PHASE seconds in Python and prints its argv."""
import os
import sys
import time

PHASE = float(os.environ.get("PHASE", "0.3"))


def work():
    end = time.perf_counter() + PHASE
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x


work()
print(" ".join(sys.argv[1:]))
