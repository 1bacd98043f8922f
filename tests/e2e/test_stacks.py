"""Call stacks: each path gets its own figures, equal paths of several
processes add up, and the terminal tree shows them."""
import json
import os
import subprocess

import pytest

from conftest import FOOTPRINT, MAIN_PYTHON, program, needs_interposer


def frames_of(profile, stack):
    fr = profile["stacks"]["frames"]
    return [(fr[i]["function"], fr[i]["line"]) for i in stack["frames"]]


def time_of(stack):
    return stack["cpu_python_s"] + stack["cpu_native_s"] + stack["system_s"]


def paths_through(profile, function):
    """Stacks that have FUNCTION among their frames."""
    return [s for s in profile["stacks"]["list"] if any(f == function for f, _ in frames_of(profile, s))]


def test_each_path_gets_its_own_figures(footprint, python):
    run = footprint([program("stacks_known.py")], python=python)
    assert run.returncode == 0, run.stderr
    truth = json.loads(run.stdout)
    p = run.profile
    # a sample that finds its stack being added by another thread (the
    # sampler's off-CPU charge, a native worker) is dropped, and counted
    assert p["stacks"]["dropped"]["samples"] <= 3, p["stacks"]["dropped"]
    load = paths_through(p, "load_data")
    pred = paths_through(p, "predict")
    rec = paths_through(p, "rec")
    # every path through load_data / predict ends there or in what it calls
    for s in load + pred:
        assert frames_of(p, s)[-1][0] in ("load_data", "predict", "helper", "spin", "thread_busy"), frames_of(p, s)
    # the stacks that end on a line add up to the line's own figures
    for f in p["files"]:
        for l in f["lines"]:
            ending = [s for s in p["stacks"]["list"]
                      if (lambda fr: fr["path"] == f["path"] and fr["line"] == l["line"])(
                          p["stacks"]["frames"][s["frames"][-1]])]
            assert sum(s["alloc_bytes"] for s in ending) == l["alloc_bytes"], (l, ending)
            # a dropped sample (counted above) kept its line's time but no stack
            slack = 1e-6 + 0.05 * p["stacks"]["dropped"]["samples"]
            assert abs(sum(map(time_of, ending)) - (l["cpu_python_s"] + l["cpu_native_s"] + l["system_s"])) < slack
    alloc = {name: sum(s["alloc_bytes"] for s in paths) for name, paths in (("load_data", load), ("predict", pred))}
    peak = {name: sum(s["peak_bytes"] for s in paths) for name, paths in (("load_data", load), ("predict", pred))}
    for name in ("load_data", "predict"):
        # 40 and 10 blocks of 1 MB: within 5%
        assert abs(alloc[name] - truth[name]) < 0.05 * truth[name], (name, alloc, truth)
        # the peak is snapshot each time live memory passes its last high by
        # 1% (1 MB at least): the last block may come after the last snapshot
        assert abs(peak[name] - truth[name]) < 0.05 * truth[name] + truth["block"] + 1, (name, peak, truth)
    # CPU time: 0.8 s, 0.2 s and 0.6 s spun (allocating costs time too, so
    # only the paths that end in spin); each path's share within 3 pp of
    # the share the program measured (on a CPU or waiting for one)
    def spun(paths):
        return sum(s["cpu_python_s"] + s["cpu_native_s"] for s in paths if frames_of(p, s)[-1][0] == "spin")

    t = {"load_data": spun(load), "predict": spun(pred), "rec": spun(rec)}
    total = sum(t.values())
    spent = truth["spent"]
    for name in ("load_data", "predict", "rec"):
        assert abs(t[name] / total - spent[name] / sum(spent.values())) < 0.03, (name, t, spent)
    # the recursion: DEPTH + 1 frames of rec under <module>, then spin
    deepest = max((frames_of(p, s) for s in rec if frames_of(p, s)[-1][0] == "spin"), key=len)
    assert [f for f, _ in deepest].count("rec") == truth["depth"] + 1, deepest
    assert deepest[0][0] == "<module>" and deepest[-1][0] == "spin", deepest


def test_stacks_of_a_child_process_add_up(footprint):
    run = footprint([program("stacks_known.py"), "fork"])
    assert run.returncode == 0, run.stderr
    truth = json.loads(run.stdout)
    assert len(run.profile["processes"]) == 2
    pred = paths_through(run.profile, "predict")
    alloc = sum(s["alloc_bytes"] for s in pred)
    assert abs(alloc - 2 * truth["predict"]) < 0.05 * 2 * truth["predict"], alloc
    # one stack per distinct path: the child's predict paths merged into the parent's
    keys = [tuple(s["frames"]) for s in run.profile["stacks"]["list"]]
    assert len(keys) == len(set(keys))
    # each process's share (by_process, processes[1] is the child): the
    # child ran predict only, the parent load_data and predict
    def share(stacks, proc, key):
        return sum(sh[key] for s in stacks for sh in s["by_process"] if sh["process"] == proc)

    load = paths_through(run.profile, "load_data")
    for proc in (0, 1):
        assert abs(share(pred, proc, "alloc_bytes") - truth["predict"]) < 0.05 * truth["predict"], proc
    assert abs(share(load, 0, "alloc_bytes") - truth["load_data"]) < 0.05 * truth["load_data"]
    assert share(load, 1, "alloc_bytes") == 0 and share(load, 1, "cpu_python_s") == 0
    assert share(pred, 1, "cpu_python_s") > 0.1  # 0.2 s spun
    for s in run.profile["stacks"]["list"]:
        assert len({sh["process"] for sh in s["by_process"]}) == len(s["by_process"])
        for key in ("cpu_python_s", "system_s", "alloc_bytes", "peak_bytes"):
            assert abs(sum(sh[key] for sh in s["by_process"]) - s[key]) <= 1e-6 + len(s["by_process"]), (key, s)


def test_new_code_is_classified_outside_the_signal_handler(footprint, python):
    """The handler leaves code it has not seen to the sampler thread; the
    time of 20 new modules must still land on their own lines."""
    run = footprint([program("many_modules.py")], python=python, options=["--cpu-only"])
    assert run.returncode == 0, run.stderr
    truth = json.loads(run.stdout)
    spun = 0.0
    for f in run.profile["files"]:
        if os.path.basename(f["path"]).startswith("mod"):
            spun += sum(l["cpu_python_s"] + l["cpu_native_s"] + l["system_s"] for l in f["lines"])
    importer = run.lines("many_modules.py")
    at_import = sum(l["cpu_python_s"] + l["cpu_native_s"] + l["system_s"] for l in importer.values())
    assert spun > 0.8 * truth["seconds"], (spun, at_import, truth)


def test_view_prints_the_heaviest_paths_as_a_tree(footprint, tmp_path):
    run = footprint([program("stacks_known.py")])
    assert run.returncode == 0, run.stderr
    path = tmp_path / "profile.json"
    out = subprocess.run([FOOTPRINT, "view", "--stacks", "--quiet", "--no-color", str(path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any("Call paths, by time" in l for l in lines)
    assert any("Call paths, by memory at the peak" in l for l in lines)
    # indented by caller: load_data one step under <module>, helper one more
    rows = [l for l in lines if "stacks_known.py:" in l]
    indent = {}
    for l in rows:
        tree = l[17:]  # after "%8s %6s  "
        indent.setdefault(tree.split()[0], len(tree) - len(tree.lstrip()))
    assert indent["<module>"] == 0 and indent["load_data"] == 2 and indent["helper"] == 4, rows


def test_no_stacks_and_profiles_without_them(footprint, tmp_path):
    run = footprint([program("stacks_known.py")], options=["--no-stacks", "--cpu-only"])
    assert run.returncode == 0, run.stderr
    assert "stacks" not in run.profile
    out = subprocess.run([FOOTPRINT, "view", "--stacks", "--quiet", str(tmp_path / "profile.json")],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "no call stacks" in out.stderr, out.stderr
