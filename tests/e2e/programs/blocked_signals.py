"""Threads that block every signal, as some C libraries' threads do, still
run Python: masked_work() spins WORK_S of CPU in such a thread, which then
ends without unblocking (mode "never") or unblocks first ("unblock").
Prints the thread's own CPU time of the work, and the rest of its wall
time (waiting for a CPU, the host's steal, the GIL), as JSON."""
import json
import os
import signal
import sys
import threading
import time

WORK_S = float(os.environ.get("PHASE", "0.6"))
result = {}


def masked_work():
    start, wall = time.thread_time(), time.monotonic()
    x = 0
    while time.thread_time() - start < WORK_S:
        for i in range(2_000):
            x = (x + i * i) % 1_000_003
    result["cpu_s"] = time.thread_time() - start
    result["held_s"] = time.monotonic() - wall - result["cpu_s"]
    return x


def worker(mode):
    old = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    masked_work()
    if mode == "unblock":
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def main(mode):
    t = threading.Thread(target=worker, args=(mode,))
    t.start()
    t.join()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "never")
