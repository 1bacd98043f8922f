"""A program that makes new code objects all the time, for
bench/handler_time.py: the CPU sample handler meets code it has never
seen on almost every sample.

  churn.py [SECONDS]

Phase 1 imports many small modules, written into a private folder next
to this file (so they are profiled files) and removed at the end.
Phase 2 compiles and runs code under a new file name each time (exec'd
code, as templating engines and notebooks make), until SECONDS pass.
"""
import importlib
import os
import shutil
import sys
import tempfile
import time

MODULES = 400
BODY = """
def work(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total

RESULT = work(20000)
"""


def import_many():
    here = os.path.dirname(os.path.abspath(__file__))
    folder = tempfile.mkdtemp(prefix="churn_mods_", dir=here)
    try:
        for i in range(MODULES):
            with open(os.path.join(folder, "m%d.py" % i), "w") as f:
                f.write(BODY)
        sys.path.insert(0, folder)
        total = sum(importlib.import_module("m%d" % i).RESULT for i in range(MODULES))
        sys.path.remove(folder)
        return total
    finally:
        shutil.rmtree(folder)


def exec_many(seconds):
    runs, end = 0, time.monotonic() + seconds
    here = os.path.dirname(os.path.abspath(__file__))
    while time.monotonic() < end:
        code = compile(BODY, os.path.join(here, "generated_%d.py" % runs), "exec")
        exec(code, {"__name__": "generated"})
        runs += 1
    return runs


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    import_many()
    print("exec'd", exec_many(seconds), "code units")
