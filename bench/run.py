#!/usr/bin/env python3
"""footprint's benchmark: overhead and accuracy on the programs in
bench/programs/, side by side with Scalene when it is installed.

  run.py [--runs N] [--programs a,b] [--no-scalene] [--json FILE]
         [--timeout S] [--scale X] [--details] [--python PATH] [--footprint PATH]

Each program runs bare and under each profiler, N rounds; in every round
each profiled run comes right after a bare run, and the order of the
profilers turns from round to round, so machine noise hits bare and
profiled runs alike.  Each program writes what it knows it did (phase
times, bytes) to $BENCH_TRUTH (see programs/_truth.py); the profile of
every run is graded against the truth of that same run.  See README.md
for the columns.  Standard library only.
"""
import argparse
import ast
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROGRAMS = os.path.join(HERE, "programs")
MIB = 1048576
FIGURES = ("python_s", "native_s", "system_s", "alloc_bytes", "free_bytes", "copy_bytes", "peak_bytes")
KIND_FIELD = {"python": "python_s", "native": "native_s", "sleep": "system_s"}
MODES = {
    # name: (tool, its arguments before the program; {out} is the profile's path)
    "footprint": ("footprint", ["run", "--json", "{out}"]),
    "footprint-cpu": ("footprint", ["run", "--cpu-only", "--json", "{out}"]),
    "scalene": ("scalene", ["--json", "--outfile", "{out}"]),
    "scalene-cpu": ("scalene", ["--cpu", "--json", "--outfile", "{out}"]),
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- running

def command(mode, opts, program, out):
    if mode == "bare":
        return [opts.python, program]
    tool, args = MODES[mode]
    args = [a.replace("{out}", out) for a in args]
    if tool == "footprint":
        return [opts.footprint, args[0], "--python", opts.python] + args[1:] + [program]
    # Scalene 1.5 profiles the files under its working directory unless told
    # the program's directory; the runs' working directory is the temp dir
    return [opts.python, "-m", "scalene", "--program-path", os.path.dirname(program)] + args + [program]


def kill_session(sid):
    """Kill the run started as session SID: its process group, and any
    process of its session that moved to a group of its own."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid:  # the session id, after state, ppid, pgrp
                pids.append(int(entry))
    for kill, target in [(os.killpg, sid)] + [(os.kill, pid) for pid in pids]:
        try:
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_once(mode, opts, program, tmp, seq):
    """Run PROGRAM once in MODE; return the wall time, exit status, truth
    and the path of the profile (None for a bare run or when missing)."""
    out = os.path.join(tmp, f"profile-{seq}.json")
    truth_path = os.path.join(tmp, f"truth-{seq}.json")
    env = dict(os.environ, BENCH_TRUTH=truth_path, BENCH_SCALE=str(opts.scale))
    env.pop("PYTHONPATH", None)
    argv = command(mode, opts, program, out)
    log_path = os.path.join(tmp, f"output-{seq}.txt")
    res = {"wall_s": None, "rc": None, "ok": False, "error": None, "truth": None, "profile": None}
    with open(log_path, "wb") as output:
        t = time.perf_counter()
        # its own session, so a hang is ended with all its children
        proc = subprocess.Popen(argv, cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                                stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            res["rc"] = proc.wait(timeout=opts.timeout)
            res["wall_s"] = time.perf_counter() - t
        except subprocess.TimeoutExpired:
            kill_session(proc.pid)
            proc.wait()
            res["rc"] = "timeout"
            res["error"] = f"timed out after {opts.timeout:g} s"
    with open(log_path, "rb") as f:
        tail = f.read()[-1500:].decode(errors="replace")
    if os.path.exists(truth_path):
        try:
            with open(truth_path) as f:
                res["truth"] = json.load(f)
        except ValueError as e:
            res["error"] = res["error"] or f"unreadable truth: {e}"
    if mode != "bare" and os.path.exists(out):
        res["profile"] = out
    if res["error"] is None:
        if res["rc"] != 0:
            res["error"] = f"exit status {res['rc']}: {tail.strip()[-300:]}"
        elif res["truth"] is None:
            res["error"] = "the program wrote no truth"
        elif mode != "bare" and res["profile"] is None:
            res["error"] = f"no profile written: {tail.strip()[-300:]}"
    res["ok"] = res["error"] is None
    return res


def scalene_version(python):
    try:
        p = subprocess.run([python, "-m", "scalene", "--version"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    # Scalene 1.5.16 prints its version and exits with status 255
    for line in p.stdout.decode(errors="replace").splitlines():
        if line.startswith("Scalene version"):
            return line.strip()
    return None


# ---------------------------------------------------------------- reading profiles

def function_spans(path):
    """(start, end, qualified name) of every function and method in the
    file at PATH, named as CPython's co_qualname names them."""
    spans = []

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                spans.append((start, child.end_lineno, name))
                walk(child, name + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                walk(child, prefix + child.name + ".")
            else:
                walk(child, prefix)

    with open(path) as f:
        walk(ast.parse(f.read()), "")
    return spans


def owner(spans, line):
    best = None
    for start, end, name in spans:
        if start <= line <= end and (best is None or start > best[0]):
            best = (start, name)
    return best[1] if best else "<module>"


def same_file(a, b):
    return os.path.realpath(a) == os.path.realpath(b)


def read_footprint(path, program):
    """The profile's functions[] in PROGRAM's own file, summed by name."""
    with open(path) as f:
        d = json.load(f)
    funcs = {}
    for entry in d.get("files", []):
        if not same_file(entry["path"], program):
            continue
        for fn in entry.get("functions", []):
            acc = funcs.setdefault(fn["name"], dict.fromkeys(FIGURES, 0.0))
            acc["python_s"] += fn.get("cpu_python_s", 0.0)
            acc["native_s"] += fn.get("cpu_native_s", 0.0)
            acc["system_s"] += fn.get("system_s", 0.0)
            for k in ("alloc_bytes", "free_bytes", "copy_bytes", "peak_bytes"):
                acc[k] += fn.get(k, 0)
    memory = d.get("memory")
    return {"functions": funcs, "has_memory": memory is not None,
            "peak_bytes": memory.get("peak_bytes") if memory else None,
            "elapsed_s": d.get("elapsed_s"), "cpu_s": d.get("cpu_s")}


def read_scalene(path, program):
    """Scalene's figures for PROGRAM's own file (percentages of the elapsed
    time, megabytes) in seconds and bytes, by function.

    Scalene 1.5 on Python 3.11 splits its figures oddly: its per-line
    entries leave out the CPU time of some hot loops (its own report shows
    those lines empty) while its function summaries have it, and the
    summaries leave out the lines and functions that allocated without a
    CPU sample.  So a function's times come from its summary (matched to
    the program's functions by first line) where it has one, else from its
    lines; its bytes always come from its lines."""
    with open(path) as f:
        d = json.load(f)
    elapsed = d.get("elapsed_time_sec", 0.0)
    pct = elapsed / 100.0
    spans = function_spans(program)
    by_start = {start: name for start, _, name in spans}

    def figures(e):
        return {"python_s": e.get("n_cpu_percent_python", 0.0) * pct,
                "native_s": e.get("n_cpu_percent_c", 0.0) * pct,
                "system_s": e.get("n_sys_percent", 0.0) * pct,
                "alloc_bytes": e.get("n_malloc_mb", 0.0) * MIB,
                "free_bytes": 0.0,
                "peak_bytes": e.get("n_peak_mb", 0.0) * MIB,
                "copy_bytes": e.get("n_copy_mb_s", 0.0) * elapsed * MIB}

    def add(table, name, e):
        acc = table.setdefault(name, dict.fromkeys(FIGURES, 0.0))
        for k, v in figures(e).items():
            acc[k] += v

    files = d.get("files", {})
    names = [n for n in files if same_file(n, program)] or \
            [n for n in files if os.path.basename(n) == os.path.basename(program)]
    by_lines, by_summary = {}, {}
    for name in names:
        for e in files[name].get("lines", []):
            add(by_lines, owner(spans, e["lineno"]), e)
        for e in files[name].get("functions", []):
            add(by_summary, by_start.get(e.get("lineno"), e.get("line", "?")), e)
    funcs = {}
    for fname in set(by_lines) | set(by_summary):
        acc = dict(by_lines.get(fname) or dict.fromkeys(FIGURES, 0.0))
        if fname in by_summary:
            for k in ("python_s", "native_s", "system_s"):
                acc[k] = by_summary[fname][k]
        funcs[fname] = acc
    memory = bool(d.get("memory"))
    return {"functions": funcs, "has_memory": memory,
            "peak_bytes": d.get("max_footprint_mb", 0.0) * MIB if memory else None,
            "elapsed_s": elapsed, "cpu_s": None}


def read_profile(mode, path, program):
    if MODES[mode][0] == "footprint":
        return read_footprint(path, program)
    return read_scalene(path, program)


# ---------------------------------------------------------------- grading

def phase_figures(prof, name, phase):
    """The figures of phase NAME: its own function, the helpers it names,
    and any function nested in it."""
    acc = dict.fromkeys(FIGURES, 0.0)
    wanted = {name, *phase.get("includes", [])}
    for fname, m in prof["functions"].items():
        if fname in wanted or fname.startswith(name + ".<locals>."):
            for k in FIGURES:
                acc[k] += m[k]
    return acc


def total_time(m):
    return m["python_s"] + m["native_s"] + m["system_s"]


def byte_errors(reported, wanted):
    """Worst error, in percent, of the reported bytes of each phase that
    states its bytes; a phase that states 0 is measured against the
    program's total instead."""
    whole = sum(wanted.values())
    errs = []
    for name, want in wanted.items():
        got = reported[name]
        if want > 0:
            errs.append(abs(got - want) / want * 100)
        elif whole > 0:
            errs.append(got / whole * 100)
    return max(errs) if errs else None


def grade(prof, truth, bare_peak):
    phases = {n: p for n, p in truth["phases"].items() if p.get("calls", 0) > 0}
    figs = {n: phase_figures(prof, n, p) for n, p in phases.items()}
    g = {"phases": {}, "has_memory": prof["has_memory"]}
    rep_total = sum(total_time(m) for m in figs.values())
    true_total = sum(p["wall_s"] for p in phases.values())
    errs = []
    for n, p in phases.items():
        rep_share = total_time(figs[n]) / rep_total if rep_total > 0 else 0.0
        true_share = p["wall_s"] / true_total if true_total > 0 else 0.0
        errs.append(abs(rep_share - true_share) * 100)
        g["phases"][n] = {"true_wall_s": round(p["wall_s"], 4), "true_cpu_s": round(p["thread_cpu_s"], 4),
                          "kind": p.get("kind"), "true_share": round(true_share, 4),
                          "share": round(rep_share, 4),
                          **{k: (round(v, 4) if k.endswith("_s") else int(v)) for k, v in figs[n].items()}}
    g["share_err_pp"] = max(errs) if errs and len(phases) > 1 else None
    for kind, field in KIND_FIELD.items():
        fracs = []
        for n, p in phases.items():
            if p.get("kind") == kind:
                t = total_time(figs[n])
                fracs.append(figs[n][field] / t if t > 0 else 0.0)
        g[kind] = min(fracs) if fracs else None
    # memory: only where the profile has it and the program states the truth
    g["alloc_err_pct"] = g["copy_err_pct"] = g["peak_err_pct"] = None
    if prof["has_memory"]:
        alloc = {n: p["alloc_kept_bytes"] + p["alloc_freed_bytes"] for n, p in phases.items()
                 if "alloc_kept_bytes" in p and "alloc_freed_bytes" in p}
        g["alloc_err_pct"] = byte_errors({n: figs[n]["alloc_bytes"] for n in alloc}, alloc)
        copy = {n: p["copy_bytes"] for n, p in phases.items() if "copy_bytes" in p}
        g["copy_err_pct"] = byte_errors({n: figs[n]["copy_bytes"] for n in copy}, copy)
        if bare_peak and prof.get("peak_bytes") is not None:
            g["peak_err_pct"] = abs(prof["peak_bytes"] - bare_peak) / bare_peak * 100
        g["peak_bytes"] = prof.get("peak_bytes")
    return g


def states(truth, key):
    return any(key in p for p in truth["phases"].values())


# ---------------------------------------------------------------- the benchmark

def bench_program(name, opts, modes, tmp):
    program = os.path.join(PROGRAMS, name + ".py")
    bare, runs = [], {m: [] for m in modes}
    seq = 0
    for r in range(opts.runs):
        order = modes[r % len(modes):] + modes[:r % len(modes)]
        for mode in order:
            for m in ("bare", mode):
                seq += 1
                res = run_once(m, opts, program, tmp, f"{name}-{seq}")
                if m == "bare":
                    bare.append(res)
                else:
                    runs[mode].append(res)
                status = f"{res['wall_s']:.2f}s" if res["ok"] else f"FAILED ({res['error'][:80]})"
                log(f"  {name} round {r + 1}/{opts.runs} {m:<14s} {status}")
    bare_ok = [b for b in bare if b["ok"]]
    bare_walls = [b["wall_s"] for b in bare_ok]
    peaks = [b["truth"]["peak_rss_bytes"] for b in bare_ok if b["truth"]]
    bare_peak = statistics.median(peaks) if peaks else None
    out = {"bare": {"walls_s": [b["wall_s"] for b in bare], "median_s": med(bare_walls),
                    "failures": [b["error"] for b in bare if not b["ok"]],
                    "peak_rss_bytes": bare_peak},
           "modes": {}}
    for mode in modes:
        graded = []
        for res in runs[mode]:
            res["accuracy"] = None
            if res["ok"]:
                try:
                    prof = read_profile(mode, res["profile"], program)
                    res["accuracy"] = grade(prof, res["truth"], bare_peak)
                except Exception as e:  # an unreadable profile is a failed run
                    res["ok"], res["error"] = False, f"unreadable profile: {e!r}"
            if res["profile"] and os.path.exists(res["profile"]):
                os.unlink(res["profile"])
            if res["accuracy"]:
                graded.append(res)
        walls = [r["wall_s"] for r in runs[mode] if r["ok"]]
        mb = med(bare_walls)
        s = {"walls_s": [r["wall_s"] for r in runs[mode]],
             "median_s": med(walls),
             "slowdown": med(walls) / mb if walls and mb else None,
             "worst_slowdown": max(walls) / mb if walls and mb else None,
             "ok_runs": len(graded), "runs": len(runs[mode]),
             "failures": [r["error"] for r in runs[mode] if not r["ok"]],
             "states_alloc": bool(bare_ok) and states(bare_ok[0]["truth"], "alloc_kept_bytes"),
             "states_copy": bool(bare_ok) and states(bare_ok[0]["truth"], "copy_bytes"),
             "accuracy_runs": [r["accuracy"] for r in graded]}
        acc = [r["accuracy"] for r in graded]
        for key, worst in (("share_err_pp", max), ("python", min), ("native", min), ("sleep", min),
                           ("alloc_err_pct", max), ("copy_err_pct", max), ("peak_err_pct", max)):
            vals = [a[key] for a in acc if a.get(key) is not None]
            s[key] = med(vals)
            s[key + "_worst"] = worst(vals) if vals else None
        s["has_memory"] = any(a["has_memory"] for a in acc)
        out["modes"][mode] = s
    return out


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# ---------------------------------------------------------------- the table

COLUMNS = [("program", 12), ("mode", 14), ("bare s", 7), ("prof s", 7), ("slow", 6), ("worst", 6),
           ("share pp", 11), ("py", 5), ("nat", 5), ("sleep", 5), ("alloc%", 7), ("copy%", 7),
           ("peak%", 7), ("ok", 5)]


def fmt(v, spec, suffix=""):
    return "-" if v is None else format(v, spec) + suffix


def row(cells):
    parts = []
    for (title, width), cell in zip(COLUMNS, cells):
        parts.append(cell.ljust(width) if title in ("program", "mode") else cell.rjust(width))
    return " ".join(parts)


def table(results, modes):
    lines = [row([t for t, _ in COLUMNS]), "-" * (sum(w for _, w in COLUMNS) + len(COLUMNS) - 1)]
    for name, res in results.items():
        first = True
        for mode in modes:
            s = res["modes"][mode]
            if s["ok_runs"] == 0:
                cells = [name if first else "", mode, fmt(res["bare"]["median_s"], ".2f"),
                         "fail", "", "", "", "", "", "", "", "", "", f"0/{s['runs']}"]
            else:
                share = "-" if s["share_err_pp"] is None else \
                    f"{s['share_err_pp']:.1f} ({s['share_err_pp_worst']:.1f})"

                def mem(key, stated=True):
                    if not s["has_memory"]:
                        return "n/a"
                    return fmt(s[key], ".1f") if stated else "-"

                cells = [name if first else "", mode, fmt(res["bare"]["median_s"], ".2f"),
                         fmt(s["median_s"], ".2f"), fmt(s["slowdown"], ".2f", "x"),
                         fmt(s["worst_slowdown"], ".2f", "x"), share,
                         fmt(s["python"], ".2f"), fmt(s["native"], ".2f"), fmt(s["sleep"], ".2f"),
                         mem("alloc_err_pct", s["states_alloc"]), mem("copy_err_pct", s["states_copy"]),
                         mem("peak_err_pct"), f"{s['ok_runs']}/{s['runs']}"]
            lines.append(row(cells))
            first = False
        fails = res["bare"]["failures"] + [f for m in modes for f in res["modes"][m]["failures"]]
        for f in dict.fromkeys(fails):
            lines.append(f"{'':12s} failure: {f[:150]}")
    return "\n".join(lines)


def details(results, modes):
    """Per phase, in each mode's last graded run: truth against report."""
    lines = []
    for name, res in results.items():
        for mode in modes:
            runs = res["modes"][mode]["accuracy_runs"]
            if not runs:
                continue
            lines.append(f"{name} / {mode} (last run)")
            lines.append(f"  {'phase':<14s} {'kind':<6s} {'true s':>7s} {'share':>6s} {'got':>6s}"
                         f" {'python':>7s} {'native':>7s} {'system':>7s} {'alloc MB':>9s} {'copy MB':>8s}")
            for p, f in runs[-1]["phases"].items():
                lines.append(f"  {p:<14s} {f['kind'] or '-':<6s} {f['true_wall_s']:7.3f} "
                             f"{f['true_share'] * 100:5.1f}% {f['share'] * 100:5.1f}% {f['python_s']:7.3f} "
                             f"{f['native_s']:7.3f} {f['system_s']:7.3f} {f['alloc_bytes'] / 1e6:9.1f} "
                             f"{f['copy_bytes'] / 1e6:8.1f}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description="footprint's overhead and accuracy benchmark")
    ap.add_argument("--runs", type=int, default=5, help="rounds per program (default 5)")
    ap.add_argument("--programs", help="comma-separated program names (default: all in bench/programs)")
    ap.add_argument("--no-scalene", action="store_true", help="do not run Scalene")
    ap.add_argument("--json", help="save every figure to this file")
    ap.add_argument("--timeout", type=float, default=120, help="seconds before a run counts as hung (default 120)")
    ap.add_argument("--scale", type=float, default=1.0, help="scale the programs' work (default 1)")
    ap.add_argument("--details", action="store_true", help="also print each phase's figures")
    ap.add_argument("--python", default="/usr/bin/python3", help="the interpreter (default /usr/bin/python3)")
    ap.add_argument("--footprint", default=os.path.join(ROOT, "build", "footprint"),
                    help="the launcher (default build/footprint)")
    opts = ap.parse_args()
    if opts.runs < 1:
        ap.error("--runs must be at least 1")

    available = sorted(f[:-3] for f in os.listdir(PROGRAMS) if f.endswith(".py") and not f.startswith("_"))
    names = [n.strip() for n in opts.programs.split(",") if n.strip()] if opts.programs else available
    unknown = [n for n in names if n not in available]
    if unknown:
        ap.error(f"unknown program(s): {', '.join(unknown)} (there are: {', '.join(available)})")
    if not os.access(opts.footprint, os.X_OK):
        ap.error(f"no footprint launcher at {opts.footprint}: run `make` first")

    modes = ["footprint", "footprint-cpu"]
    scalene = None
    if opts.no_scalene:
        print("Scalene: not run (--no-scalene)")
    else:
        scalene = scalene_version(opts.python)
        if scalene:
            modes += ["scalene", "scalene-cpu"]
            print(f"Scalene: {scalene}")
        else:
            print(f"Scalene: not installed for {opts.python} (`{opts.python} -m scalene --version` fails); "
                  f"footprint only")

    tmp = tempfile.mkdtemp(prefix="footprint-bench-")
    results = {}
    try:
        for name in names:
            log(f"{name}:")
            results[name] = bench_program(name, opts, modes, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"{opts.runs} runs each; {os.cpu_count()} CPUs; {opts.python}; times are medians; "
          f"slowdowns against the bare median")
    print(table(results, modes))
    if opts.details:
        print()
        print(details(results, modes))
    if opts.json:
        doc = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "host": platform.node(), "cpus": os.cpu_count(), "python": opts.python,
               "footprint": opts.footprint, "scalene": scalene, "runs": opts.runs,
               "scale": opts.scale, "timeout_s": opts.timeout, "modes": modes, "programs": results}
        with open(opts.json, "w") as f:
            json.dump(doc, f, indent=1)
        print(f"figures saved to {opts.json}")
    # footprint's own failures fail the benchmark; Scalene's are only reported
    failed = any(res["bare"]["failures"] or any(res["modes"][m]["ok_runs"] < res["modes"][m]["runs"]
                                                 for m in modes if m.startswith("footprint"))
                 for res in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
