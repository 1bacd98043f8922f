"""footprint's boot module: starts the agent before the program's first line.

The launcher puts this directory first on PYTHONPATH, so every Python
process of the run (the program and the children it starts) imports this
module at start-up. It starts the agent, then runs the sitecustomize it
shadows (Debian ships one; users have theirs), and takes itself off
sys.path so the program sees the path it would see without footprint.

Run as a script (`python -I -S sitecustomize.py FILE...`) it prints the
function spans of each file as JSON: the launcher's fallback for processes
that ended before their agent could read them.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def function_spans(path):
    """[(qualified name, first line, last line)] of the functions and
    classes in the source file PATH (bytes), with "<module>" spanning the
    whole file. Called by the agent, once per profiled file, at exit: so it
    imports nothing (compile() and the code objects are enough), and a
    comprehension or lambda counts to the function it is written in."""
    with open(path, "rb") as f:
        source = f.read()
    code = compile(source, path, "exec", dont_inherit=True)
    spans = [("<module>", 1, max(1, source.count(b"\n") + 1))]
    todo = [(code, "")]
    while todo:
        outer, prefix = todo.pop()
        for inner in outer.co_consts:
            if type(inner) is not type(code) or inner.co_name.startswith("<"):
                continue
            name = getattr(inner, "co_qualname", None) or prefix + inner.co_name
            spans.append((name, inner.co_firstlineno, _last_line(inner)))
            is_class = not inner.co_flags & 0x2  # CO_NEWLOCALS: functions have it
            todo.append((inner, name + ("." if is_class else ".<locals>.")))
    return spans


def _last_line(code):
    """The last line a code object or any code nested in it covers."""
    if hasattr(code, "co_lines"):
        last = max((line for _, _, line in code.co_lines() if line), default=code.co_firstlineno)
    else:  # 3.9: the line table is co_lnotab, (byte offset, line) increments
        last = line = code.co_firstlineno
        table = code.co_lnotab
        for i in range(1, len(table), 2):
            step = table[i]
            line += step - 256 if step >= 128 else step
            last = max(last, line)
    for inner in code.co_consts:
        if type(inner) is type(code):
            last = max(last, _last_line(inner))
    return last


def _start_agent():
    agent_dir = os.environ.get("FOOTPRINT_AGENT_DIR")
    if not agent_dir or not os.environ.get("FOOTPRINT_RUN_DIR"):
        return
    sys.path.insert(0, agent_dir)
    try:
        import _footprint
    except ImportError as e:
        sys.stderr.write("footprint: cannot load the agent for this interpreter (%s)\n" % e)
        return
    finally:
        del sys.path[0]
    if not _footprint.start(function_spans):
        return
    import atexit

    atexit.register(_footprint.stop)
    os.register_at_fork(before=_footprint.before_fork, after_in_parent=_footprint.after_fork_parent,
                        after_in_child=_footprint.after_fork_child)
    _wrap_os_exits(_footprint)


def _wrap_os_exits(agent):
    """os._exit skips atexit, and os.exec* replaces the process: both get
    the agent's last word first. os.execl/execlp/execvp and friends go
    through these two."""
    real_exit, real_execv, real_execve = os._exit, os.execv, os.execve

    def _exit(status):
        agent.stop()
        real_exit(status)

    def execv(path, argv):
        agent.before_exec()
        try:
            real_execv(path, argv)
        finally:
            agent.exec_failed()  # reached only when the exec did not happen

    def execve(path, argv, env):
        agent.before_exec()
        try:
            real_execve(path, argv, env)
        finally:
            agent.exec_failed()

    for wrapper, real in ((_exit, real_exit), (execv, real_execv), (execve, real_execve)):
        wrapper.__doc__ = real.__doc__
    os._exit, os.execv, os.execve = _exit, execv, execve


def _forget_footprint_env():
    """With --no-children the program's children run as without footprint:
    its variables go from the environment they inherit."""
    for name, saved in (("PYTHONPATH", "FOOTPRINT_USER_PYTHONPATH"), ("LD_PRELOAD", "FOOTPRINT_USER_LD_PRELOAD")):
        value = os.environ.get(saved)
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    for name in [n for n in os.environ if n.startswith("FOOTPRINT_")]:
        del os.environ[name]


def _chain_shadowed():
    """Runs the next sitecustomize on sys.path, the one this module hides.
    importlib.machinery is cheap to import (importlib.util is not)."""
    import importlib.machinery

    rest = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = type(sys)(spec.name)
    module.__spec__, module.__loader__, module.__file__ = spec, spec.loader, spec.origin
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


def _boot():
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
    follow = os.environ.get("FOOTPRINT_CHILDREN", "1") != "0"
    is_main = str(os.getppid()) == os.environ.get("FOOTPRINT_LAUNCHER_PID")
    try:
        if follow or is_main:
            _start_agent()
    except Exception as e:  # the program runs even when the agent cannot
        sys.stderr.write("footprint: the agent failed to start: %s\n" % e)
    if not follow:
        _forget_footprint_env()
    _chain_shadowed()


def _print_spans(paths):
    import json

    out = {}
    for p in paths:
        try:
            out[p] = function_spans(os.fsencode(p))
        except (OSError, SyntaxError, ValueError):
            out[p] = []
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    _print_spans(sys.argv[1:])
else:
    _boot()
