"""The service against a real PostgreSQL: the test starts its own server
(Debian's postgresql: initdb in a temporary directory as the unprivileged
postgres user, on a free local port) and stops it. A server with no
workers of its own and two `footprint worker` processes, as on many hosts,
take jobs with FOR UPDATE SKIP LOCKED. Main interpreter only."""
import glob
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import FOOTPRINT, SANITIZED, program
from service import Service, criteria, free_port

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))

pytestmark = [
    pytest.mark.skipif(SANITIZED, reason="jobs run the sandboxed footprint, which the ASan runtime does not reach"),
    pytest.mark.skipif(not PG_BIN, reason="PostgreSQL is not installed (tools/install-deps)"),
    pytest.mark.skipif(os.geteuid() != 0, reason="starting PostgreSQL as its own user needs root"),
]


@pytest.fixture
def postgres():
    """postgresql://... of a fresh server, stopped at the end."""
    bin_dir = PG_BIN[-1]
    root = tempfile.mkdtemp(prefix="fp-pg-", dir="/tmp")
    shutil.chown(root, "postgres", "postgres")
    data, port = os.path.join(root, "data"), free_port()
    as_pg = ["runuser", "-u", "postgres", "--"]
    subprocess.run(as_pg + [bin_dir + "/initdb", "-D", data, "-A", "trust", "-U", "fp"], check=True,
                   capture_output=True, timeout=120)
    subprocess.run(as_pg + [bin_dir + "/pg_ctl", "-D", data, "-l", os.path.join(root, "log"), "-w", "-o",
                            "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off" % (port, root), "start"],
                   check=True, capture_output=True, timeout=120)
    try:
        yield "postgresql://fp@127.0.0.1:%d/postgres" % port
    finally:
        subprocess.run(as_pg + [bin_dir + "/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_lifecycle_on_postgres(tmp_path, postgres):
    s = Service(tmp_path, workers=0, db=postgres)
    admin, alice, bob = s.token("admin", "admin"), s.token("alice"), s.token("bob")
    s.start()
    workers = [subprocess.Popen([FOOTPRINT, "worker", "--db", postgres, "--data", s.data], start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        s.put_budget("peak", '[run]\nmax_peak = "20MB"\n', admin)
        s.put_budget("roomy", '[run]\nmax_peak = "1GB"\nmax_cpu = "60s"\n', admin)
        budgets = read(program("budgets.py"))
        ids = {
            "accepted": s.submit(alice, "budgets.py", budgets, "roomy", key="once"),
            "peak": s.submit(alice, "budgets.py", budgets, "peak"),
            "exit": s.submit(bob, "fail.py", b"raise SystemExit(4)\n", "roomy"),
        }
        # the same key again is the same submission
        assert s.submit(alice, "budgets.py", budgets, "roomy", key="once") == ids["accepted"]
        fair = [s.submit(bob, "b.py", b"print(2)\n") for _ in range(4)]
        done = s.wait(admin, list(ids.values()) + fair)
        assert done[ids["accepted"]]["verdict"] == "accepted"
        c = criteria(done[ids["accepted"]])
        assert c[("run", "peak")] == "ok" and c[("run", "cpu")] == "ok"
        assert done[ids["peak"]]["verdict"].startswith("rejected: run: peak")
        assert done[ids["exit"]]["verdict"] == "rejected: run: exit status 4 (must be 0)"
        assert all(done[i]["verdict"] == "accepted" for i in fair)
        # both workers took jobs, each job ran once
        assert all(x["attempts"] == 1 for x in done.values())
        profile = s.api("GET", "/api/v1/submissions/%d/profile" % ids["accepted"], alice)[1]
        assert profile["format"] == "footprint-profile"
        assert s.api("GET", "/api/v1/submissions/%d" % ids["exit"], alice)[0] == 404
        assert len(s.api("GET", "/api/v1/submissions", bob)[1]["submissions"]) == 5
        health = s.api("GET", "/api/v1/health")[1]
        assert health["done"] == 7 and health["queued"] == 0 and health["running"] == 0
    finally:
        for w in workers:
            os.killpg(w.pid, 15)
        for w in workers:
            w.wait(timeout=30)
        s.remove()
