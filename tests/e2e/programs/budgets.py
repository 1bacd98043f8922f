"""Figures known in advance, for `footprint check`'s tests.

  build_features  keeps a bytearray of SCALE x 60 MB to the end: with the
                  interpreter's own memory, it makes the run's peak
  spin            about 0.3 s of pure Python CPU time
  scratch         allocates and drops 5 MB chunks (allocated, never held)

Arguments: --scale F multiplies build_features' bytes; --exit N ends with
status N; --counter FILE keeps SCALE x 40 MB more for the Nth run that
used FILE (run 1: 40 MB, run 2: 80 MB, ...), so repeated runs differ.
"""
import argparse
import time

MB = 1_000_000


def build_features(size):
    features = bytearray(size)
    return features


def spin(seconds):
    # Python work between clock reads: process_time() is a system call, and
    # on a VM a bare loop around it is mostly the kernel's time (system_s)
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        for i in range(20_000):
            n += i
    return n


def scratch():
    total = 0
    for _ in range(20):
        chunk = bytearray(5 * MB)
        total += len(chunk)
        del chunk
    return total


def nth_run(counter):
    try:
        with open(counter) as f:
            n = int(f.read() or 0) + 1
    except FileNotFoundError:
        n = 1
    with open(counter, "w") as f:
        f.write(str(n))
    return bytearray(n * 40 * MB)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--exit", type=int, default=0)
    parser.add_argument("--counter")
    args = parser.parse_args()
    kept = [build_features(int(args.scale * 60 * MB))]
    if args.counter:
        kept.append(nth_run(args.counter))
    spin(0.3)
    scratch()
    print("kept", sum(len(k) for k in kept))
    return args.exit


if __name__ == "__main__":
    raise SystemExit(main())
