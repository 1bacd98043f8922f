"""A function that runs long enough for a few samples at a coarse
interval, called once: every sample of it is on code the profiler has not
seen before the first one. Prints, as JSON, the function's CPU time."""
import json
import time


def spin(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


if __name__ == "__main__":
    start = time.thread_time()
    spin(int(__import__("sys").argv[1]))
    print(json.dumps({"cpu_s": time.thread_time() - start}))
