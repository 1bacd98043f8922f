#!/usr/bin/env python3
"""The CPU sample handler's own cost, on a program that makes new code
objects all the time (bench/handler/churn.py).

  handler_time.py [--runs N] [--seconds S] [--footprint PATH] [--python PATH]

Runs the program under footprint with FOOTPRINT_HANDLER_STATS=1, which
makes the agent time each run of its handler on the thread's CPU clock
and print the count, mean and worst at exit; prints those per run and
the worst over all runs. Standard library only.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LINE = re.compile(r"footprint: handler: (\d+) samples, mean ([\d.]+) us, worst ([\d.]+) us")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--footprint", default=os.path.join(ROOT, "build", "footprint"))
    ap.add_argument("--python", default="/usr/bin/python3")
    args = ap.parse_args()
    env = dict(os.environ, FOOTPRINT_HANDLER_STATS="1")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            cmd = [args.footprint, "run", "--cpu-only", "--python", args.python, "--json",
                   os.path.join(tmp, "p.json"), os.path.join(HERE, "handler", "churn.py"), str(args.seconds)]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True)
            m = LINE.search(out.stderr)
            if out.returncode != 0 or not m:
                sys.exit("run %d failed (exit %d):\n%s" % (run + 1, out.returncode, out.stderr[-2000:]))
            print("run %d: %s samples, mean %s us, worst %s us" % (run + 1, m[1], m[2], m[3]))
            worst = max(worst, float(m[3]))
    print("worst over %d runs: %.1f us" % (args.runs, worst))


if __name__ == "__main__":
    main()
