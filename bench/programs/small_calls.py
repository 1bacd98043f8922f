"""Many small Python functions: the worst case for profilers that hook
every call.  Three phases of pure Python of about the same length:

  tiny_calls   a loop calling one-line functions and methods, millions
               of calls (the helpers' time counts to it)
  recursion    naive recursive Fibonacci
  inline_loop  the same arithmetic as tiny_calls written inline, no calls

BENCH_SCALE scales the work (default 1).
"""
import os

from _truth import phase

SCALE = float(os.environ.get("BENCH_SCALE", 1.0))


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def dot(self, other):
        return self.x * other.x + self.y * other.y


def clamp(v, lo, hi):
    return lo if v < lo else hi if v > hi else v


def square(v):
    return v * v


@phase("python", includes=("Vec.__init__", "Vec.__add__", "Vec.dot", "clamp", "square"))
def tiny_calls(n):
    acc = Vec(0, 0)
    step = Vec(1, 2)
    total = 0
    for _ in range(n):
        acc = acc + step
        total += clamp(square(acc.dot(step)) & 0xFFFF, 10, 60_000)
    return total


def fib(k):
    return k if k < 2 else fib(k - 1) + fib(k - 2)


@phase("python", includes=("fib",))
def recursion(k, times):
    total = 0
    for _ in range(times):
        total += fib(k)
    return total


@phase("python")
def inline_loop(n):
    ax, ay = 0, 0
    total = 0
    for _ in range(n):
        ax, ay = ax + 1, ay + 2
        v = ax * 1 + ay * 2
        v = (v * v) & 0xFFFF
        total += 10 if v < 10 else 60_000 if v > 60_000 else v
    return total


def main():
    n = int(1_200_000 * SCALE)
    tiny_calls(n)
    recursion(30, max(1, round(4 * SCALE)))
    inline_loop(3 * n)


if __name__ == "__main__":
    main()
