"""Two threads of pure Python and one blocked on a lock, while the main
thread waits in join(). Every thread runs for PHASE seconds."""
import os
import threading
import time

PHASE = float(os.environ.get("PHASE", "0.6"))


def spin(seconds):
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        for i in range(10_000):
            x = (x + i) % 97


def wait_on_lock(lock, seconds):
    lock.acquire(timeout=seconds)


def main():
    lock = threading.Lock()
    lock.acquire()
    workers = [threading.Thread(target=spin, args=(PHASE,)),
               threading.Thread(target=spin, args=(PHASE,)),
               threading.Thread(target=wait_on_lock, args=(lock, PHASE))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


if __name__ == "__main__":
    main()
