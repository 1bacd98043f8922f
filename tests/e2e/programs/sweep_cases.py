"""A program for sweep's failure and resume cases. N from the environment:
N=0 fails (exit 3); otherwise it holds N MB (touched) for SLEEP seconds.
It appends N to the file named by its first argument, so a test sees
which configurations really ran."""
import os
import sys
import time

N = int(os.environ["N"])
with open(sys.argv[1], "a") as log:
    log.write("%d %s\n" % (N, " ".join(sys.argv[2:])))
if N == 0:
    sys.exit(3)
block = bytearray(N * 1_000_000)
time.sleep(float(os.environ.get("SLEEP", "0")))
print(len(block))
