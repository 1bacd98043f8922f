"""A program whose GPU use is known: it drives the fake NVML
(tests/gpu/fake_nvml.c) through $FAKE_NVML_STATE, one phase per line.

  line A: this process at 90% of the GPU for 1 s
  line B: its GPU memory grows by 1 GiB and stays
  line C: another process at 100% while this one is idle
  line D: the memory is freed
The log itself is the truth the test checks the profile against."""
import os
import sys
import time

GIB = 1 << 30
OTHER = 4000000  # above any pid_max: never a real process
LOG = os.environ["FAKE_NVML_STATE"]
ME = os.getpid()


def phase(*changes):
    """From now on, each (pid, util_percent, memory_bytes) holds."""
    now = time.time()
    with open(LOG, "a") as f:
        for pid, util, mem in changes:
            f.write("%.6f %d %d %d\n" % (now, pid, util, mem))


def main(seconds):
    time.sleep(0.2)
    phase((ME, 90, 0)); time.sleep(seconds)  # line A
    phase((ME, 0, GIB)); time.sleep(0.5)  # line B
    phase((OTHER, 100, 0)); time.sleep(seconds)  # line C
    phase((OTHER, 0, 0), (ME, 0, 0)); time.sleep(0.5)  # line D
    if os.environ.get("FAKE_NVML_LOSE"):
        with open(LOG, "a") as f:
            f.write("%.6f lost\n" % time.time())
        time.sleep(0.3)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
