"""`footprint serve`, `worker` and `submit`: the whole service against
SQLite with two workers. Programs whose figures are known
(programs/budgets.py, programs/leaks_known.py) are submitted with budgets
each criterion fails or holds, and each verdict is `footprint check`'s on
the job's profile. Main interpreter only: the service does not depend on
it, and the runs are what takes the time."""
import json
import os
import pathlib
import subprocess
import time

import pytest

from conftest import FOOTPRINT, SANITIZED, program
from service import Service, archive, criteria

pytestmark = pytest.mark.skipif(SANITIZED, reason="jobs run the sandboxed footprint, which the ASan runtime does not reach")

ROOMY = """
[run]
max_peak = "1GB"
max_time = "60s"
max_cpu = "60s"
[function."build_features"]
max_alloc = "1GB"
"""
BUDGETS = {
    "peak": '[run]\nmax_peak = "20MB"\n',
    "time": '[run]\nmax_time = "10ms"\n',
    "cpu": '[run]\nmax_cpu = "50ms"\n',
    "function": '[function."scratch"]\nmax_alloc = "10MB"\n',
    "leaks": '[run]\nno_leaks = true\n',
}


@pytest.fixture
def service(tmp_path):
    s = Service(tmp_path)
    s.token("admin", "admin")
    s.token("alice")
    s.token("bob")
    s.start()
    yield s
    s.remove()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def budgets_archive(*args):
    return archive({"budgets.py": read(program("budgets.py")),
                    "footprint.toml": 'entry = "budgets.py"\nargs = %s\n' % json.dumps(list(args))})


def test_verdicts_each_criterion(service):
    """Accepted under a roomy budget; rejected by peak, time, CPU, a
    function's budget, the exit status and a leak, each naming its figure."""
    admin, alice = service.tokens["admin"], service.tokens["alice"]
    service.put_budget("roomy", ROOMY, admin)
    for name, text in BUDGETS.items():
        service.put_budget(name, text, admin)
    ids = {"roomy": service.submit(alice, "budgets.py", read(program("budgets.py")), "roomy")}
    for name in ("peak", "time", "cpu", "function"):
        ids[name] = service.submit(alice, "model.tar.gz", budgets_archive(), name)
    ids["exit"] = service.submit(alice, "model.tar.gz", budgets_archive("--exit", "3"), "roomy")
    ids["leaks"] = service.submit(alice, "leaks_known.py", read(program("leaks_known.py")), "leaks")
    done = service.wait(alice, list(ids.values()), timeout=300)
    v = {name: done[i] for name, i in ids.items()}

    roomy = v["roomy"]
    assert roomy["verdict"] == "accepted", roomy
    c = criteria(roomy)
    assert c[("run", "peak")] == "ok" and c[("run", "time")] == "ok" and c[("run", "cpu")] == "ok"
    assert c[("function build_features", "alloc")] == "ok" and c[("run", "exit")] == "ok"
    # the figures the list shows come from the profile: budgets.py keeps 60 MB to its end
    assert 60e6 < roomy["peak_bytes"] < 400e6 and roomy["elapsed_s"] > 0.3 and roomy["cpu_s"] >= 0.3
    peak_text = [x["text"] for x in roomy["criteria"] if x["text"].startswith("peak")][0]
    assert "<= 1GB" in peak_text and "%" in peak_text  # measured value, limit and margin

    for name, target in (("peak", ("run", "peak")), ("time", ("run", "time")), ("cpu", ("run", "cpu")),
                         ("function", ("function scratch", "alloc")), ("leaks", ("run", "1")),
                         ("exit", ("run", "exit"))):
        s = v[name]
        assert s["verdict"].startswith("rejected: "), (name, s)
        fails = [k for k, st in criteria(s).items() if st == "fail"]
        assert fails, (name, s)
        if name == "leaks":
            assert any(t == "run" and x["text"].endswith(")") or "leak" in x["text"]
                       for x in s["criteria"] for t in [x["target"]] if x["status"] == "fail"), s
        else:
            assert target in fails, (name, s)
    assert "exit status 3" in v["exit"]["verdict"]

    # the artifacts: the profile, the HTML report, the program's own output
    status, profile = service.api("GET", "/api/v1/submissions/%d/profile" % ids["roomy"], alice)
    assert status == 200 and profile["format"] == "footprint-profile" and profile["exit_code"] == 0
    status, report = service.api("GET", "/api/v1/submissions/%d/report" % ids["roomy"], alice, raw=True)
    assert status == 200 and report.lstrip().lower().startswith(b"<!doctype html")
    status, out = service.api("GET", "/api/v1/submissions/%d/stdout" % ids["roomy"], alice, raw=True)
    assert status == 200 and out.startswith(b"kept 60000000")


def test_submit_command(service, tmp_path):
    """`footprint submit` waits and prints the verdict: 0 accepted, 1
    rejected, 2 error; --no-wait prints the id."""
    admin, alice = service.tokens["admin"], service.tokens["alice"]
    service.put_budget("peak", BUDGETS["peak"], admin)
    script = tmp_path / "small.py"
    script.write_text("data = bytearray(30_000_000)\nprint('ok', len(data))\n")
    base = [FOOTPRINT, "submit", "--server", service.url, "--token", alice]
    ok = subprocess.run(base + [str(script)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "accepted" in ok.stdout and "ok    run: peak" in ok.stdout
    bad = subprocess.run(base + ["--budget", "peak", str(script)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "rejected: run: peak" in bad.stdout and "FAIL  run: peak" in bad.stdout
    nowait = subprocess.run(base + ["--no-wait", str(script)], capture_output=True, text=True, timeout=60)
    assert nowait.returncode == 0 and nowait.stdout.strip().isdigit()
    wrong = subprocess.run([FOOTPRINT, "submit", "--server", service.url, "--token", "fp_wrong", str(script)],
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "token" in wrong.stderr
    missing = subprocess.run(base + [str(tmp_path / "nope.py")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    unknown = subprocess.run(base + ["--budget", "nosuch", str(script)], capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "no budget named 'nosuch'" in unknown.stderr


def test_roles_and_idempotency(service):
    """A submitter sees only their own; a reviewer sees all; the same
    idempotency key makes one submission; cancel ends a queued one."""
    alice, bob = service.tokens["alice"], service.tokens["bob"]
    reviewer = service.token("rita", "reviewer")
    script = b"print('hello')\n"
    first = service.submit(alice, "hello.py", script, key="k-1")
    again = service.api("POST", "/api/v1/submissions?filename=hello.py", alice, script, {"Idempotency-Key": "k-1"})
    assert again[0] == 200 and again[1]["id"] == first and again[1]["existed"] is True
    bobs = service.submit(bob, "hello.py", script, key="k-1")  # keys are per submitter
    assert bobs != first
    assert service.api("GET", "/api/v1/submissions/%d" % bobs, alice)[0] == 404
    mine = service.api("GET", "/api/v1/submissions", alice)[1]["submissions"]
    assert {s["id"] for s in mine} == {first} and all(s["submitter"] == "alice" for s in mine)
    every = service.api("GET", "/api/v1/submissions", reviewer)[1]["submissions"]
    assert {first, bobs} <= {s["id"] for s in every}
    assert service.api("PUT", "/api/v1/budgets/x", reviewer, b'[run]\nmax_peak = "1GB"\n')[0] == 403
    done = service.wait(alice, [first])
    assert done[first]["verdict"] == "accepted"
    assert service.api("POST", "/api/v1/submissions/%d/cancel" % first, alice)[0] == 409


def test_fair_queue_and_a_lone_worker(tmp_path):
    """With no worker running, alice queues five jobs, then bob one; a
    `footprint worker` started alone runs bob's second, not sixth."""
    s = Service(tmp_path, workers=0)
    alice, bob = s.token("alice"), s.token("bob")
    s.start()
    worker = None
    try:
        ids = [s.submit(alice, "a.py", b"print(1)\n") for _ in range(5)]
        bobs = s.submit(bob, "b.py", b"print(2)\n")
        worker = subprocess.Popen([FOOTPRINT, "worker", "--db", s.db, "--data", s.data], start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done = s.wait(alice, ids)
        done.update(s.wait(bob, [bobs]))
        order = [i for i, _ in sorted(done.items(), key=lambda kv: kv[1]["started_ms"])]
        assert order[:2] == [ids[0], bobs], order
        assert order[2:] == ids[1:]
        assert all(x["verdict"] == "accepted" and x["attempts"] == 1 for x in done.values())
    finally:
        if worker:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=30)
        s.remove()


def test_demo_retention_and_refusal(tmp_path):
    """--demo queues a sample that gets its verdict; --retention drops old
    artifacts but keeps the verdict; a worker whose bubblewrap cannot make
    namespaces refuses to run (and the server stops), saying why."""
    s = Service(tmp_path, ["--demo"], workers=1)
    s.start()
    try:
        demo_token = s.log.read_text().split("admin token:\n")[1].split()[0]
        done = s.wait(demo_token, [1])[1]
        assert done["verdict"] == "accepted" and done["budget"] == "demo", done
        assert s.api("GET", "/api/v1/submissions/1/profile", demo_token)[0] == 200
        s.stop()
        s.options = ["--retention", "0"]
        s.start()
        assert s.api("GET", "/api/v1/submissions/1/profile", demo_token)[0] == 404
        assert s.api("GET", "/api/v1/submissions/1", demo_token)[1]["verdict"] == "accepted"
    finally:
        s.stop()
    fake = pathlib.Path(s.data_root) / "bin"  # where the jobs' uid finds it (tmp_path is private)
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    (fake / "bwrap").chmod(0o755)
    env = dict(os.environ, PATH="%s:%s" % (fake, os.environ["PATH"]))
    w = subprocess.run([FOOTPRINT, "worker", "--db", s.db, "--data", s.data], env=env, capture_output=True,
                       text=True, timeout=60)
    assert w.returncode == 2 and "refusing to run jobs unsandboxed" in w.stderr and "namespace" in w.stderr
    srv = subprocess.run([FOOTPRINT, "serve", "--db", s.db, "--data", s.data, "--listen", "127.0.0.1:0"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert srv.returncode == 2 and "refusing to run jobs unsandboxed" in srv.stderr
    s.remove()
