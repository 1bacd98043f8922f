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
    if os.environ.get("FOOTPRINT_OFF") == "1":
        return  # `footprint run --off`: the program records with footprint.start()/stop()
    if not _footprint.start(function_spans):
        return None
    import atexit

    atexit.register(_footprint.stop)
    os.register_at_fork(before=_footprint.before_fork, after_in_parent=_footprint.after_fork_parent,
                        after_in_child=_footprint.after_fork_child)
    _wrap_os_exits(_footprint)
    return _footprint


class _ImportTimer:
    """Times each module's first import, and the bytes it allocated.

    CPython's import statement and importlib.import_module both load a
    module that is not in sys.modules through importlib._bootstrap's
    _find_and_load, looked up by name on each call (the same place
    `-X importtime` measures): wrapping it sees every first import and
    nothing else. A module's own figures leave out the imports it made;
    its totals include them. The table goes to FOOTPRINT_RUN_DIR as
    imports.PID.tsv at exit, one line per module in the order imports
    began, written without importing anything (the launcher reads it)."""

    def __init__(self, agent, bootstrap, clock):
        self.agent, self.bootstrap, self.clock = agent, bootstrap, clock
        self.real = bootstrap._find_and_load
        self.stacks = {}  # thread id -> [[name, children's seconds, children's bytes]]
        self.rows = []  # [seq, name, parent, own s, own bytes, total s, total bytes, file, line]
        self.seen = set()
        self.started = 0
        self.pid = os.getpid()

    def install(self):
        from _thread import get_ident

        def _find_and_load(name, import_):
            return self.timed(get_ident(), name, import_)

        self.bootstrap._find_and_load = _find_and_load

    def timed(self, thread, name, import_):
        stack = self.stacks.setdefault(thread, [])
        parent = stack[-1][0] if stack else None
        where, seq = _importer(), self.started
        self.started += 1
        frame = [name, 0.0, 0]
        stack.append(frame)
        alloc = self.agent.alloc_bytes
        b0, t0 = alloc(), self.clock()
        try:
            module = self.real(name, import_)
        except BaseException:
            stack.pop()  # its time and bytes stay its importer's own
            raise
        dt = self.clock() - t0
        b1 = alloc()
        db = None if b0 is None or b1 is None else b1 - b0
        stack.pop()
        if stack:
            stack[-1][1] += dt
            stack[-1][2] += db or 0
        if name not in self.seen:
            self.seen.add(name)
            own_b = None if db is None else max(0, db - frame[2])
            self.rows.append([seq, name, parent, max(0.0, dt - frame[1]), own_b, dt, db] + where)
        return module

    def write(self):
        """Called at exit (before the agent's own stop), and by os._exit."""
        self.bootstrap._find_and_load = self.real
        run_dir = os.environ.get("FOOTPRINT_RUN_DIR")
        if os.getpid() != self.pid or not run_dir or not self.rows:
            return
        self.rows.sort()
        text = "".join(_import_row(r) for r in self.rows)
        fd = os.open("%s/imports.%d.tsv" % (run_dir, self.pid), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, text.encode("utf-8", "surrogateescape"))
        finally:
            os.close(fd)
        self.rows = []


def _importer():
    """[file, line] of the Python line that asked for the import, past
    importlib's own frames; [None, None] when there is none."""
    frame = sys._getframe(1)  # this module's own frames are passed over below
    lib = getattr(sys.modules.get("importlib"), "__file__", None)
    while frame is not None:
        path = frame.f_code.co_filename
        if not path.startswith("<frozen") and path != lib and path != __file__:
            return [path, frame.f_lineno]
        frame = frame.f_back
    return [None, None]


def _import_row(row):
    def field(v):
        if v is None:
            return "-"
        return str(v).replace("\t", " ").replace("\n", " ") or "-"

    seq, name, parent, own_s, own_b, total_s, total_b, path, line = row
    return "\t".join(field(v) for v in (name, parent, "%.9f" % own_s, own_b, "%.9f" % total_s, total_b,
                                        line, path)) + "\n"


def _time_imports(agent):
    """Starts the import timer in the main process; its table is written
    before the agent's last word (atexit runs last-registered first)."""
    import _frozen_importlib
    import atexit
    import time

    if not hasattr(agent, "alloc_bytes") or not hasattr(_frozen_importlib, "_find_and_load"):
        return
    timer = _ImportTimer(agent, _frozen_importlib, time.perf_counter)
    timer.install()
    atexit.register(timer.write)
    real_exit = os._exit

    def _exit(status):
        timer.write()
        real_exit(status)

    _exit.__doc__ = real_exit.__doc__
    os._exit = _exit


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
    The path finder is the interpreter's own, loaded at its start: importing
    importlib.machinery would bring importlib and warnings into a program
    that did not ask for them (their memory, and their lines in the
    profile's imports)."""
    from _frozen_importlib_external import PathFinder

    rest = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
    spec = PathFinder.find_spec("sitecustomize", rest)
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
    agent = None
    try:
        if follow or is_main:
            agent = _start_agent()
    except Exception as e:  # the program runs even when the agent cannot
        sys.stderr.write("footprint: the agent failed to start: %s\n" % e)
    if not follow:
        _forget_footprint_env()
    _chain_shadowed()
    if agent is not None and is_main:  # after our own imports, and the shadowed sitecustomize's
        _time_imports(agent)


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
elif __name__ == "sitecustomize":  # not when the footprint package loads it for function_spans
    _boot()
