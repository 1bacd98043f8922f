"""`python -m footprint ...` and the `footprint` command pip installs: the
launcher itself, with the same command line. The interpreter that runs
this is the default --python, so a venv's footprint profiles programs
with the venv's interpreter even when the venv is not activated."""
import os
import sys

from . import _native


def main():
    try:
        exe = _native.launcher()
    except _native.NoAgentError as e:
        sys.stderr.write("footprint: %s\n" % e)
        sys.exit(2)
    os.environ.setdefault("FOOTPRINT_PYTHON", sys.executable)
    os.execv(exe, ["footprint"] + sys.argv[1:])


if __name__ == "__main__":
    main()
