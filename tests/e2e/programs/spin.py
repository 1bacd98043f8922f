"""Spins in pure Python for PHASE seconds of wall time, never blocking,
then prints as JSON how long that took and how much of it the thread was
neither on a CPU nor waiting for one (schedstat): on a virtual machine,
time its host took (steal). A profile that calls that time off-CPU gets
a busy line wrong."""
import json
import os
import time

PHASE = float(os.environ.get("PHASE", "3"))


def schedstat():
    with open("/proc/thread-self/schedstat") as f:
        run, wait = f.read().split()[:2]
    return int(run), int(wait)


def spin(seconds):
    end = time.monotonic() + seconds
    x = 0
    while time.monotonic() < end:
        x += 1
    return x


def main():
    run0, wait0 = schedstat()
    start = time.monotonic_ns()
    spin(PHASE)
    wall = time.monotonic_ns() - start
    run1, wait1 = schedstat()
    lost = wall - (run1 - run0) - (wait1 - wait0)
    print(json.dumps({"wall_s": wall / 1e9, "lost_s": max(lost, 0) / 1e9}))


if __name__ == "__main__":
    main()
