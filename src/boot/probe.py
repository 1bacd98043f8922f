"""Describes an interpreter to footprint; runs under any Python.

  probe.py          -> "MAJOR MINOR MICRO IMPLEMENTATION KEY"
  probe.py --build  -> "KEY EXT_SUFFIX INCLUDE_DIR"
  probe.py --record -> "MAJOR MINOR MICRO IMPLEMENTATION KEY SIZE MTIME"

--record is saved beside each agent at build time: when the interpreter's
real executable still has that size and modification time, footprint
trusts the record instead of starting the interpreter to ask.

KEY names the agent built for this interpreter: its real executable path
with every character outside [A-Za-z0-9._-] replaced, so that two
interpreters of one version (Debian's and a pyenv build) get agents built
against their own headers.
"""
import os
import re
import sys


def key():
    exe = os.path.realpath(sys.executable or "python")
    return re.sub(r"[^A-Za-z0-9._-]", "_", exe.strip("/"))


def main():
    if sys.argv[1:] == ["--build"]:
        import sysconfig

        print(key(), sysconfig.get_config_var("EXT_SUFFIX"), sysconfig.get_paths()["include"])
        return
    v = sys.version_info
    impl = getattr(getattr(sys, "implementation", None), "name", "unknown")
    fields = [v[0], v[1], v[2], impl, key()]
    if sys.argv[1:] == ["--record"]:
        st = os.stat(os.path.realpath(sys.executable))
        fields += [st.st_size, int(st.st_mtime)]
    print(" ".join(str(f) for f in fields))


main()
