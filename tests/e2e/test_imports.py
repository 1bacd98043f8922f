"""The profile's `imports` table: each first import's own and total time
and bytes, who imported it, and from which line."""
import json
import os
import textwrap

import pytest

from conftest import ROOT, program

MB = 1_000_000

MODULES = {
    "heavy_mod.py": """
        import time
        BLOCK = bytearray(20_000_000)
        time.sleep(0.3)
        import light_mod
        """,
    "light_mod.py": """
        import time
        BLOCK = bytearray(5_000_000)
        time.sleep(0.1)
        """,
    "plain_mod.py": """
        X = 1
        """,
}


def write_modules(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    for name, text in MODULES.items():
        (lib / name).write_text(textwrap.dedent(text))
    return str(lib)


def by_name(profile):
    return {e["name"]: e for e in profile["imports"]}


def test_imports_own_and_total_cost(footprint, python, tmp_path):
    lib = write_modules(tmp_path)
    run = footprint([program("imports_known.py"), lib], python=python)
    assert run.returncode == 0, run.stderr
    imports = by_name(run.profile)
    heavy, light, plain = imports["heavy_mod"], imports["light_mod"], imports["plain_mod"]
    assert "no_such_module_here" not in imports
    # who imported whom, and from where
    assert heavy["parent"] is None and plain["parent"] is None
    assert light["parent"] == "heavy_mod"
    assert (heavy["file"], heavy["line"]) == (program("imports_known.py"), 9)
    assert (plain["file"], plain["line"]) == (program("imports_known.py"), 11)
    assert light["file"] == os.path.join(lib, "heavy_mod.py") and light["line"] == 5
    # own figures leave the child out, totals take it in (the upper bounds
    # leave room for a busy machine)
    assert 0.29 <= heavy["time_s"] < 3
    assert 0.09 <= light["time_s"] < 2
    assert heavy["total_time_s"] == pytest.approx(heavy["time_s"] + light["total_time_s"], abs=1e-6)
    assert 20 * MB <= heavy["alloc_bytes"] < 21 * MB
    assert 5 * MB <= light["alloc_bytes"] < 6 * MB
    assert heavy["total_alloc_bytes"] == heavy["alloc_bytes"] + light["total_alloc_bytes"]
    assert plain["alloc_bytes"] < 1 * MB
    # the report lists the program's own imports, costliest first
    assert "Imports" in run.stderr
    report = run.stderr[run.stderr.index("Imports"):]
    assert report.index("heavy_mod") < report.index("plain_mod")
    assert "light_mod" not in report


def test_imports_without_memory(footprint, tmp_path):
    lib = write_modules(tmp_path)
    run = footprint([program("imports_known.py"), lib], options=["--cpu-only"])
    heavy = by_name(run.profile)["heavy_mod"]
    assert heavy["alloc_bytes"] is None and heavy["total_alloc_bytes"] is None
    assert heavy["time_s"] >= 0.29


def test_imports_match_the_schema(footprint, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.load(open(os.path.join(ROOT, "docs", "profile.schema.json")))
    run = footprint([program("imports_known.py"), write_modules(tmp_path)])
    assert len(run.profile["imports"]) >= 3
    jsonschema.validate(run.profile, schema, cls=jsonschema.Draft202012Validator)


def test_imports_in_the_html_report(footprint, tmp_path):
    from test_html import CHROMIUM, drawn, open_page

    if not os.path.exists(CHROMIUM):
        pytest.skip("headless Chromium is not installed")
    html = tmp_path / "report.html"
    run = footprint([program("imports_known.py"), write_modules(tmp_path)], options=["--html", str(html)])
    assert run.returncode == 0, run.stderr
    page = open_page(html, tmp_path)
    drawn(page)
    rows = page.rows("imports-table")
    # costliest first; the program's own `import importlib` (line 4) is one
    # of its imports too, and may cost more or less than plain_mod
    ours = [r["module"] for r in rows if r["module"] in ("heavy_mod", "plain_mod")]
    assert ours == ["heavy_mod", "plain_mod"] and rows[0]["module"] == "heavy_mod", rows
    assert all(r["where"] == "imports_known.py:4" for r in rows if r["module"] == "importlib"), rows
    assert rows[0]["alloc"] in ("25MB", "26MB") and rows[0]["where"] == "imports_known.py:9"
