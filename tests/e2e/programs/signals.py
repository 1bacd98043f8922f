"""The program's own timers and signal handlers must keep working under
the profiler: SIGALRM via setitimer, and SIGUSR1 sent to itself."""
import os
import signal
import time

counts = {"alarm": 0, "usr1": 0}


def on_alarm(signum, frame):
    counts["alarm"] += 1


def on_usr1(signum, frame):
    counts["usr1"] += 1


signal.signal(signal.SIGALRM, on_alarm)
signal.signal(signal.SIGUSR1, on_usr1)
signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
end = time.perf_counter() + 0.6
x = 0
while time.perf_counter() < end:
    x += 1
signal.setitimer(signal.ITIMER_REAL, 0)
os.kill(os.getpid(), signal.SIGUSR1)
time.sleep(0.05)
start = time.perf_counter()
time.sleep(0.3)  # must not be cut short by the profiler's signals
slept = time.perf_counter() - start
print("alarm=%d usr1=%d slept=%.3f" % (counts["alarm"], counts["usr1"], slept))
