"""GPU use in a child process, for the fake NVML (see gpu_phases.py).

The program takes 1 GiB of GPU memory, then starts a child that keeps the
GPU 90% busy for 0.6 s and takes 512 MiB more before it ends: the
program's own peak is 1 GiB, both together 1.5 GiB."""
import os
import subprocess
import sys
import time

from gpu_phases import GIB, phase

ME = os.getpid()


def child():
    phase((ME, 90, 0)); time.sleep(0.6)  # child A
    phase((ME, 0, GIB // 2)); time.sleep(0.4)  # child B
    phase((ME, 0, 0))


def main():
    time.sleep(0.2)
    phase((ME, 0, GIB)); time.sleep(0.3)  # parent takes
    subprocess.run([sys.executable, __file__, "child"], check=True)  # parent waits
    phase((ME, 0, 0)); time.sleep(0.3)  # parent frees


if __name__ == "__main__":
    child() if sys.argv[1:] == ["child"] else main()
