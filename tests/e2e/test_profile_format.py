"""The profile follows the format's JSON Schema, and `footprint view`
prints what the run printed."""
import json
import os
import subprocess

import pytest

from conftest import BAD_PROFILES, FOOTPRINT, MAIN_PYTHON, ROOT, program

if os.environ.get("CI") == "true":
    import jsonschema  # in CI a missing jsonschema fails the run (tools/install-deps installs it)
else:
    jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.load(open(os.path.join(ROOT, "docs", "profile.schema.json")))


def validate(profile):
    jsonschema.validate(profile, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_profile_matches_the_schema(footprint, python):
    run = footprint([program("cpu_phases.py")], python=python)
    validate(run.profile)
    for f in run.profile["files"]:
        assert os.path.isabs(f["path"])
        for fn in f["functions"]:
            assert fn["line"] <= fn["end_line"]
    lines = run.lines("cpu_phases.py")
    src = open(program("cpu_phases.py")).read().splitlines()
    for n, l in lines.items():
        assert l["source"] == src[n - 1]


def test_functions_sum_their_lines(footprint):
    run = footprint([program("cpu_phases.py")])
    f = next(f for f in run.profile["files"] if f["path"].endswith("cpu_phases.py"))
    fn = next(x for x in f["functions"] if x["name"] == "python_phase")
    inside = [l for l in f["lines"] if fn["line"] <= l["line"] <= fn["end_line"]]
    assert abs(sum(l["cpu_python_s"] for l in inside) - fn["cpu_python_s"]) < 1e-6


def test_view_prints_the_same_report(tmp_path):
    out = tmp_path / "p.json"
    run = subprocess.run([FOOTPRINT, "--python", MAIN_PYTHON, "--json", str(out), program("cpu_phases.py")],
                         capture_output=True, text=True, env=dict(os.environ, PHASE="0.3"))
    view = subprocess.run([FOOTPRINT, "view", str(out)], capture_output=True, text=True)
    assert view.returncode == 0
    report = run.stderr[run.stderr.index("\nfootprint "):]
    assert view.stdout == report


@pytest.mark.parametrize("content,words", BAD_PROFILES)
def test_view_rejects_bad_files_with_one_line(tmp_path, content, words):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    proc = subprocess.run([FOOTPRINT, "view", str(bad)], capture_output=True, text=True)
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1
    assert words in proc.stderr, proc.stderr


def test_view_of_a_missing_file():
    proc = subprocess.run([FOOTPRINT, "view", "/no/such/profile.json"], capture_output=True, text=True)
    assert proc.returncode != 0 and "cannot read profile" in proc.stderr
