"""The profile of a region of a running program.

    with footprint.profile() as p:
        train()
    p.report(); p.save("p.json"); p.save_html("p.html")

or footprint.start() ... footprint.stop(), which returns the Profile.

The agent (the same C extension the launcher loads) records into a
private run directory; at the end of the region the launcher's
`footprint collect` merges what it wrote, with the same code as a run,
and `footprint view` renders it: one merge path, one report.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from . import _native


class FootprintError(RuntimeError):
    """footprint was used the wrong way (started twice, stopped while not
    started), or cannot profile this interpreter. The program goes on."""


_OPTIONS = ("cpu_only", "interval", "alloc_sample_bytes", "profile_all", "include", "exclude", "children", "leaks",
            "native_stacks")


class _Recorder:
    """The agent and the region it records; one per process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.agent = None
        self.boot = None
        self.region = None  # (run_dir, options, start time, resident bytes, owner pid) while recording
        self.hooks_installed = False

    def load(self):
        if self.agent is not None:
            return self.agent
        agent = sys.modules.get("_footprint")
        if agent is None:
            try:
                directory = _native.agent_dir()
            except _native.NoAgentError as e:
                raise FootprintError(str(e)) from None
            sys.path.insert(0, directory)
            try:
                import _footprint as agent
            except ImportError as e:
                raise FootprintError("footprint cannot load its agent for this interpreter: %s" % e) from None
            finally:
                del sys.path[0]
        self.boot = _boot_module()
        self.agent = agent
        return agent


_recorder = _Recorder()


def _boot_module():
    """The boot module's helpers (function spans), loaded under another
    name, so that it does not boot."""
    import importlib.util

    path = os.path.join(_native.libdir(), "boot", "sitecustomize.py")
    spec = importlib.util.spec_from_file_location("footprint._boot", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _program_dir():
    """The default profiled tree: the main script's directory, else the
    working directory (an interactive session, `python -c`)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path and os.path.exists(path):
        return os.path.dirname(os.path.realpath(path))
    return os.path.realpath(os.getcwd())


def _environment(run_dir, o):
    """What the agent reads at start (the launcher's FOOTPRINT_* names)."""
    directory = _program_dir()
    return {
        "FOOTPRINT_RUN_DIR": run_dir,
        "FOOTPRINT_INTERVAL": "%.6f" % o["interval"],
        "FOOTPRINT_MEMORY": "0" if o["cpu_only"] else "1",
        "FOOTPRINT_ALLOC_SAMPLE": str(int(o["alloc_sample_bytes"])),
        "FOOTPRINT_PROGRAM_DIR": directory,
        "FOOTPRINT_PROGRAM_DIR_GIVEN": directory,
        "FOOTPRINT_PROFILE_ALL": "1" if o["profile_all"] else "0",
        "FOOTPRINT_INCLUDE": "\n".join(o["include"]),
        # footprint's own package is never the program's (its stop runs in the region)
        "FOOTPRINT_EXCLUDE": "\n".join([os.path.dirname(os.path.abspath(__file__)) + "/*"] + list(o["exclude"])),
        "FOOTPRINT_CHILDREN": "1" if o["children"] else "0",
        "FOOTPRINT_LEAKS": "1" if o["leaks"] else "0",
        "FOOTPRINT_NATIVE_STACKS": "1" if o["native_stacks"] else "0",
        # not preloaded: the agent loads it and patches it in (memory only)
        "FOOTPRINT_INTERPOSER": "" if o["cpu_only"] else os.path.join(_native.libdir(), "libfootprint_alloc.so"),
    }


def _resident_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _reset_peak():
    """The kernel's high-water mark (VmHWM, the profile's peak) restarts
    from the resident size now, so the region's peak is its own."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _check_options(options):
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise TypeError("footprint: unknown option%s %s (options: %s)"
                        % ("s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(_OPTIONS)))
    o = {"cpu_only": False, "interval": 0.01, "alloc_sample_bytes": 16384, "profile_all": False,
         "include": (), "exclude": (), "children": True, "leaks": True, "native_stacks": False}
    o.update(options)
    if isinstance(o["include"], str):
        o["include"] = (o["include"],)
    if isinstance(o["exclude"], str):
        o["exclude"] = (o["exclude"],)
    if not 0.0005 <= float(o["interval"]) <= 10:
        raise ValueError("footprint: interval must be between 0.0005 and 10 seconds")
    if int(o["alloc_sample_bytes"]) < 1:
        raise ValueError("footprint: alloc_sample_bytes must be at least 1")
    return o


def _start_agent(agent, boot, env):
    """Starts the agent with ENV in os.environ for the moment it reads it."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        return agent.start(boot.function_spans)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _install_hooks(r):
    if r.hooks_installed:
        return
    agent = r.agent
    os.register_at_fork(before=agent.before_fork, after_in_parent=agent.after_fork_parent,
                        after_in_child=agent.after_fork_child)
    r.boot._wrap_os_exits(agent)  # a forked child's os._exit (multiprocessing) writes its fragment
    atexit.register(_stop_at_exit)
    r.hooks_installed = True


def start(**options):
    """Starts recording this process (all its threads). Options, as
    keywords: cpu_only, interval (s), alloc_sample_bytes, profile_all,
    include, exclude (globs), children (profile children forked while
    recording; True by default, as the launcher follows children), leaks,
    native_stacks (native frames below the lines of the call stacks).
    FootprintError when already recording or when
    footprint has no agent for this interpreter."""
    o = _check_options(options)
    r = _recorder
    with r.lock:
        if r.region is not None:
            raise FootprintError("footprint is already recording: call footprint.stop() first")
        agent = r.load()
        if os.environ.get("FOOTPRINT_RUN_DIR"):
            if os.environ.get("FOOTPRINT_OFF") != "1":
                raise FootprintError("this program runs under `footprint run`, which profiles all of it; "
                                     "use `footprint run --off` to record only footprint.start()/stop()")
            _start_stretch(r, agent)
            return
        run_dir = tempfile.mkdtemp(prefix="footprint-region-")
        resident = _resident_bytes()
        _reset_peak()
        began = time.monotonic()
        try:
            started = _start_agent(agent, r.boot, _environment(run_dir, o))
        except Exception:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
        if not started:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise FootprintError("footprint's agent did not start")
        _install_hooks(r)
        r.region = (run_dir, o, began, resident, os.getpid())


def _start_stretch(r, agent):
    """`footprint run --off`: the launcher's agent, its options and run
    directory; each stretch leaves a fragment the launcher merges at the
    end of the run, so the profile covers the stretches only."""
    if not agent.start(r.boot.function_spans):
        raise FootprintError("footprint's agent did not start")
    _install_hooks(r)
    r.region = (None, None, time.monotonic(), None, os.getpid())


def stop():
    """Stops recording and returns the Profile of the region.
    FootprintError when not recording. In a child forked during the
    region it only ends the child's part (merged into the region's
    profile with children=True) and returns None; so it does under
    `footprint run --off`, whose profile the launcher writes at the end."""
    r = _recorder
    with r.lock:
        if r.region is None:
            raise FootprintError("footprint is not recording: call footprint.start() first")
        run_dir, o, began, resident, owner = r.region
        r.region = None
        if run_dir is None:  # a stretch of `footprint run --off`: the launcher's profile
            r.agent.stop()
            return None
        if os.getpid() != owner:
            # a child forked in the region: its figures are its fragment in
            # the region's directory (children=True), which the owner merges
            r.agent.stop()
            return None
        try:
            r.agent.stop()
            elapsed = time.monotonic() - began
            data = _collect(run_dir, o, elapsed)
            if data.get("memory") and resident is not None:
                data["memory"]["region_start_bytes"] = resident
            return Profile(data)
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)


def _stop_at_exit():
    """A program that exits while recording: the region ends unreported."""
    if _recorder.region is not None:
        try:
            stop()
        except Exception:
            pass


def _collect(run_dir, o, elapsed):
    """The profile, merged by the launcher from the agent's fragments."""
    out = os.path.join(run_dir, "profile.json")
    v = sys.version_info
    cmd = [_native.launcher(), "collect", "--json", out, "--pid", str(os.getpid()),
           "--program", _program_name(), "--python", sys.executable or "python3",
           "--python-version", "%d.%d.%d" % (v[0], v[1], v[2]), "--elapsed", "%.9f" % elapsed,
           "--interval", "%.6f" % o["interval"], "--alloc-sample-bytes", str(int(o["alloc_sample_bytes"]))]
    if o["cpu_only"]:
        cmd.append("--cpu-only")
    cmd += [run_dir, "--"] + [str(a) for a in sys.argv]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0 or not os.path.exists(out):
        raise FootprintError("footprint could not build the profile: %s" % done.stderr.strip())
    with open(out) as f:
        return json.load(f)


def _program_name():
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return path if path else (sys.argv[0] if sys.argv and sys.argv[0] else "<interactive>")


class Profile:
    """A region's profile: the document (PROFILE_FORMAT v1) as `data`, the
    headline figures as attributes, and its reports. footprint.profile()
    returns one that fills in when the `with` block ends."""

    def __init__(self, data=None, **options):
        self._data = data
        self._options = options
        if data is None:
            _check_options(options)

    # the `with footprint.profile() as p:` form
    def __enter__(self):
        if self._data is not None:
            raise FootprintError("this profile is finished; use a new footprint.profile()")
        start(**self._options)
        return self

    def __exit__(self, *exc):
        done = stop()
        self._data = done._data if done is not None else {}
        return False

    @property
    def data(self):
        if self._data is None:
            raise FootprintError("the profile is not finished: its region is still recording")
        return self._data

    @property
    def elapsed_s(self):
        return self.data["elapsed_s"]

    @property
    def cpu_s(self):
        return self.data["cpu_s"]

    @property
    def peak_bytes(self):
        """The highest footprint during the region (bytes), or None when
        memory was not profiled."""
        memory = self.data.get("memory") or {}
        return memory.get("peak_bytes")

    @property
    def peak_above_start_bytes(self):
        """How far the peak rose above the footprint at the region's
        start (bytes), or None when memory was not profiled."""
        memory = self.data.get("memory") or {}
        if memory.get("peak_bytes") is None or memory.get("region_start_bytes") is None:
            return None
        return max(0, memory["peak_bytes"] - memory["region_start_bytes"])

    def save(self, path):
        """Writes the profile (JSON, PROFILE_FORMAT v1) to PATH."""
        with open(path, "w") as f:
            json.dump(self.data, f, indent=1)

    def _view(self, *args):
        with tempfile.TemporaryDirectory(prefix="footprint-view-") as d:
            path = os.path.join(d, "profile.json")
            self.save(path)
            done = subprocess.run([_native.launcher(), "view", path] + list(args),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise FootprintError(done.stderr.strip() or "footprint view failed")
        return done.stdout

    def save_html(self, path):
        """Writes the HTML report (one self-contained page) to PATH."""
        self._view("--quiet", "--html", os.path.abspath(path))

    def text(self, reduced=False):
        """The text report, as a run prints it."""
        return self._view(*(["--reduced"] if reduced else []))

    def report(self, reduced=False, file=None):
        """Prints the text report to stderr (or FILE)."""
        (file or sys.stderr).write(self.text(reduced))

    def __repr__(self):
        if self._data is None:
            return "<footprint.Profile (recording)>"
        peak = self.peak_bytes
        return "<footprint.Profile elapsed %.3fs cpu %.3fs peak %s>" % (
            self.elapsed_s, self.cpu_s, "%d bytes" % peak if peak is not None else "-")


def profile(**options):
    """A context manager: `with footprint.profile(**options) as p:`
    records the block; p is its Profile once the block ends."""
    return Profile(None, **options)
