"""Imports MODULES new modules, written into a private folder next to
this file (so they are profiled) and removed at the end; each spins
0.05 s of CPU in a function of its own. The signal handler meets each
module's code for the first time and leaves it to the sampler thread to
classify: the time must still land on the modules' own lines.
Prints the truth (seconds spun in the modules) as JSON."""
import importlib
import json
import os
import shutil
import sys
import tempfile

MODULES = 20
SECONDS = 0.05
BODY = '''import time


def work():
    end = time.process_time() + %r
    x = 0
    while time.process_time() < end:
        for i in range(2000):
            x += i
    return x


work()
''' % SECONDS

here = os.path.dirname(os.path.abspath(__file__))
folder = tempfile.mkdtemp(prefix="many_modules_", dir=here)
try:
    for i in range(MODULES):
        with open(os.path.join(folder, "mod%d.py" % i), "w") as f:
            f.write(BODY)
    sys.path.insert(0, folder)
    for i in range(MODULES):
        importlib.import_module("mod%d" % i)
finally:
    shutil.rmtree(folder)
print(json.dumps({"modules": MODULES, "seconds": MODULES * SECONDS}))
