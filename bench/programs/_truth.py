"""What a benchmark program knows it did, for bench/run.py to grade
profilers against.

A program wraps each of its phases in @phase and states the bytes it
knows exactly with add_bytes().  When the environment variable
BENCH_TRUTH names a file, the truth is written there as JSON at exit:

  {"wall_s": s, "cpu_s": s, "peak_rss_bytes": n,
   "phases": {"qualified name": {
       "calls": n,
       "wall_s": s,           wall-clock time inside the phase, all calls
       "cpu_s": s,            process CPU time inside it (all threads)
       "thread_cpu_s": s,     CPU time of the thread that ran it
       "kind": "python" | "native" | "sleep" | null,
                              what the phase does, when it does only that
       "includes": [names],   helper functions whose time belongs to it
       "alloc_kept_bytes": n, "alloc_freed_bytes": n, "copy_bytes": n
                              only where the program states them
   }}}

The bench reads profiles by function name, so lines may move freely.
"""
import atexit
import functools
import json
import os
import resource
import threading
import time

KINDS = ("python", "native", "sleep", None)

_phases = {}
_lock = threading.Lock()
_t0 = time.perf_counter()
_c0 = time.process_time()


def _record(name):
    with _lock:
        return _phases.setdefault(name, {"calls": 0, "wall_s": 0.0, "cpu_s": 0.0,
                                         "thread_cpu_s": 0.0, "kind": None, "includes": []})


def phase(kind=None, includes=()):
    """Decorator: time every call of the function as one phase.  KIND says
    what the phase does when it does nothing else (pure Python bytecode,
    pure native code, or off the CPU); INCLUDES names the helpers (as a
    profiler names them, e.g. "Vec.__add__") that only this phase calls,
    whose time counts to it."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")

    def deco(fn):
        rec = _record(fn.__qualname__)
        rec["kind"] = kind
        rec["includes"] = list(includes)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            w, c, t = time.perf_counter(), time.process_time(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                dw = time.perf_counter() - w
                dc = time.process_time() - c
                dt = time.thread_time() - t
                with _lock:
                    rec["calls"] += 1
                    rec["wall_s"] += dw
                    rec["cpu_s"] += dc
                    rec["thread_cpu_s"] += dt

        return wrapper

    return deco


def add_bytes(name, kept=None, freed=None, copied=None):
    """State bytes the phase NAME allocated and kept past its end (KEPT),
    allocated and freed before it returned (FREED), and copied (COPIED).
    Calls add up.  A figure never stated stays unknown; to state that a
    phase allocates nothing, say kept=0, freed=0."""
    rec = _record(name)
    with _lock:
        for key, n in (("alloc_kept_bytes", kept), ("alloc_freed_bytes", freed),
                       ("copy_bytes", copied)):
            if n is not None:
                rec[key] = rec.get(key, 0) + int(n)


def peak_rss_bytes():
    """This process's peak resident memory.  VmHWM belongs to the process
    image, so it starts afresh at exec; ru_maxrss (the fallback) also
    counts what the parent held when it forked us."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@atexit.register
def _dump():
    path = os.environ.get("BENCH_TRUTH")
    if not path:
        return
    out = {
        "wall_s": time.perf_counter() - _t0,
        "cpu_s": time.process_time() - _c0,
        "peak_rss_bytes": peak_rss_bytes(),
        "phases": _phases,
    }
    tmp = path + ".part"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
    os.replace(tmp, path)
