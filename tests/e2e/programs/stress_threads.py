"""Eight threads allocate and free at once: small objects, growing and
shrinking buffers (realloc), large blocks, dictionaries; one thread forks
a child that allocates too. Prints the bytes each thread kept.

FORK_FIRST=1 forks before the threads start: for allocators that are not
fork-safe (GCC 12's libasan takes no allocator locks around fork, so a
child forked while another thread refills its cache hangs on the first
malloc; google/sanitizers#1814)."""
import os
import random
import sys
import threading

try:
    import numpy
except ImportError:
    numpy = None

ROUNDS = int(os.environ.get("ROUNDS", "40000"))
kept = {}


def churn(seed):
    rng = random.Random(seed)
    live = []
    buf = bytearray()
    for i in range(ROUNDS):
        r = rng.random()
        if r < 0.5:
            live.append(("x" * rng.randint(1, 200), i))
        elif r < 0.7:
            buf.extend(b"y" * rng.randint(1, 5000))  # grows by realloc
            if len(buf) > 2_000_000:
                del buf[100:]                          # shrinks by realloc
        elif r < 0.8:
            live.append(bytes(rng.randint(1_000, 300_000)))
        elif r < 0.85 and numpy is not None:
            live.append(numpy.zeros(rng.randint(1, 50_000)))
        elif r < 0.9:
            live.append({j: j for j in range(rng.randint(1, 100))})
        if len(live) > 500:
            del live[: rng.randint(1, 500)]
    kept[seed] = sum(sys.getsizeof(x) for x in live)


def fork_a_child():
    pid = os.fork()
    if pid == 0:
        data = [bytes(1000) for _ in range(10_000)]
        os._exit(0 if len(data) == 10_000 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def main():
    threads = [threading.Thread(target=churn, args=(seed,)) for seed in range(8)]
    if os.environ.get("FORK_FIRST") == "1":
        fork_a_child()
    for t in threads:
        t.start()
    if os.environ.get("FORK_FIRST") != "1":
        fork_a_child()
    for t in threads:
        t.join()
    print(len(kept))


if __name__ == "__main__":
    main()
