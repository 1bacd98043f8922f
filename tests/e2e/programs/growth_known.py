"""Known growth for `footprint sweep`: hold_memory keeps 8*N*250 bytes,
touched (linear in N); square_time runs N*N loop steps (quadratic in N).
N comes from the environment; PHASES=memory skips the quadratic part."""
import os

N = int(os.environ["N"])


def hold_memory(n):
    block = bytearray(8 * 250 * n)
    return block


def square_time(n):
    total = 0
    for i in range(n):
        for j in range(n):
            total += j
    return total


kept = hold_memory(N)
if os.environ.get("PHASES", "all") != "memory":
    square_time(N)
print(len(kept))
