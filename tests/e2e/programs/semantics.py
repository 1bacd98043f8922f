"""Reports what the program sees of its own run, as JSON on stdout:
argv, __name__, sys.path[0], cwd, stdin's text, an environment variable,
and whether the profiler's boot directory shows on sys.path. Exits with
the code given as the first argument, if any."""
import json
import os
import sys

seen = {
    "argv": sys.argv,
    "name": __name__,
    "path0": sys.path[0],
    "cwd": os.getcwd(),
    "stdin": sys.stdin.read(),
    "env": os.environ.get("SEMANTICS_ENV"),
    "boot_on_path": any("footprint" in p and p.endswith("boot") for p in sys.path),
    "main_file": os.path.abspath(sys.modules["__main__"].__file__),
}
print(json.dumps(seen))
sys.stdout.flush()
if len(sys.argv) > 1 and sys.argv[1].lstrip("-").isdigit():
    sys.exit(int(sys.argv[1]))
