"""Ends the way argv[1] says, after spending PHASE seconds of CPU time in
busy_work (CPU time, not wall time: on a loaded machine the profile's
figure still has a known truth):
  ok | raise | exit N | os_exit N | sigterm | sigkill | wait_sigint | wait"""
import os
import signal
import sys
import time

PHASE = float(os.environ.get("PHASE", "0.4"))


def busy_work(seconds):
    end = time.thread_time() + seconds
    x = 0
    while time.thread_time() < end:
        for i in range(5_000):
            x = (x * 31 + i) % 65_521
    return x


def main(how):
    busy_work(PHASE)
    sys.stdout.write("worked\n")
    sys.stdout.flush()
    if how == "raise":
        raise ValueError("the program failed on purpose")
    if how == "exit":
        sys.exit(int(sys.argv[2]))
    if how == "os_exit":
        os._exit(int(sys.argv[2]))
    if how == "sigterm":
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    if how == "sigkill":
        time.sleep(1.5)  # time for a snapshot after the work
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "wait_sigint":
        try:
            print("ready")  # the interrupt is expected from here on
            sys.stdout.flush()
            time.sleep(30)
        except KeyboardInterrupt:
            print("interrupted")
            sys.stdout.flush()
            raise
    if how == "wait":
        time.sleep(30)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "ok")
