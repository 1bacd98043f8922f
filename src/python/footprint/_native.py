"""Where footprint's native parts are: the launcher, its support files
(lib/footprint: the boot module, the interposer, one agent per
interpreter) and this interpreter's agent.

Two layouts are found: an installed package keeps them in
footprint/_native/ (see tools/pep517_backend.py); after `make`,
build/python/footprint/ sits two levels below build/, where the launcher
and lib/footprint are.
"""
import os
import re
import sys

_PKG = os.path.dirname(os.path.abspath(__file__))


class NoAgentError(RuntimeError):
    """footprint has no agent for this interpreter (or is not built)."""


def root():
    """The directory holding the launcher `footprint` and lib/footprint."""
    for base in (os.path.join(_PKG, "_native"), os.path.dirname(os.path.dirname(_PKG))):
        if os.access(os.path.join(base, "footprint"), os.X_OK) and os.path.isdir(os.path.join(base, "lib", "footprint")):
            return base
    raise NoAgentError("footprint's native parts are missing next to %s: build them with `make` "
                       "or install the package with pip" % _PKG)


def launcher():
    """The path of the launcher binary (the `footprint` command)."""
    return os.path.join(root(), "footprint")


def libdir():
    """lib/footprint: boot module, interposer, agents."""
    return os.path.join(root(), "lib", "footprint")


def agent_key(executable=None):
    """The agent's name for an interpreter, as src/boot/probe.py makes it."""
    exe = os.path.realpath(executable or sys.executable or "python")
    return re.sub(r"[^A-Za-z0-9._-]", "_", exe.strip("/"))


def agent_dir():
    """This interpreter's agent directory; NoAgentError when there is none."""
    d = os.path.join(libdir(), "agents", agent_key())
    if not os.path.isdir(d):
        raise NoAgentError("footprint has no agent for this interpreter (%s, Python %d.%d): build one with "
                           "`make PYTHON=%s`, or pip install footprint with this interpreter"
                           % (sys.executable, sys.version_info[0], sys.version_info[1], sys.executable))
    return d
