"""Faults: kill -9 of the server mid-upload and mid-run, and of a worker
mid-run. After a restart every accepted submission reaches a verdict, a
cut upload leaves nothing, a job whose worker died runs again (never two
at once), and past its attempts it fails as "failed: infrastructure".
Short leases keep it quick. Main interpreter only."""
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import FOOTPRINT, SANITIZED
from service import Service, gone, marker

pytestmark = pytest.mark.skipif(SANITIZED, reason="jobs run the sandboxed footprint, which the ASan runtime does not reach")

LEASE = ["--lease", "3s", "--attempts", "2"]


def sleeper(tag, seconds):
    return ("import time\nprint('start %s')\ntime.sleep(%s)\nprint('end')\n" % (tag, seconds)).encode()


def wait_state(s, token, i, state, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        sub = s.api("GET", "/api/v1/submissions/%d" % i, token)[1]
        if sub["state"] == state:
            return sub
        time.sleep(0.1)
    raise AssertionError("submission %d never %s" % (i, state))


def start_worker(s):
    return subprocess.Popen([FOOTPRINT, "worker", "--db", s.db, "--data", s.data] + LEASE, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill9(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def test_worker_killed_mid_run(tmp_path):
    s = Service(tmp_path, LEASE, workers=0)
    alice = s.token("alice")
    s.start()
    workers = []
    try:
        tag = marker()
        job = s.submit(alice, "sleeper-%s.py" % tag, sleeper(tag, 3))
        workers.append(start_worker(s))
        first = wait_state(s, alice, job, "running")
        time.sleep(1)
        kill9(workers[-1])  # the worker and nothing else: its job dies with it
        assert gone(tag), "the job outlived its worker"
        # running until its lease ends, then queued again: never lost
        assert s.api("GET", "/api/v1/submissions/%d" % job, alice)[1]["state"] in ("running", "queued")
        workers.append(start_worker(s))
        done = s.wait(alice, [job], timeout=90)[job]
        assert done["verdict"] == "accepted" and done["attempts"] == 2, done
        assert done["started_ms"] - first["started_ms"] >= 2500  # not before the first lease ran out

        # killed on each of its attempts, it fails as infrastructure, it is not left running
        tag2 = marker()
        kill9(workers.pop())
        job2 = s.submit(alice, "sleeper-%s.py" % tag2, sleeper(tag2, 30))
        for _ in range(2):
            workers.append(start_worker(s))
            wait_state(s, alice, job2, "running")
            time.sleep(0.5)
            kill9(workers.pop())
            wait_state(s, alice, job2, "queued" if _ == 0 else "done", timeout=30)
        final = s.api("GET", "/api/v1/submissions/%d" % job2, alice)[1]
        assert final["verdict"] == "failed: infrastructure" and final["attempts"] == 2, final
        assert gone(tag2)
    finally:
        for w in workers:
            kill9(w)
        s.remove()


def test_server_killed_mid_upload_and_mid_run(tmp_path):
    s = Service(tmp_path, LEASE, workers=2)
    alice = s.token("alice")
    s.start()
    old_group = s.proc.pid
    try:
        tag = marker()
        ids = [s.submit(alice, "sleeper-%d-%s.py" % (n, tag), sleeper(tag, 1)) for n in range(6)]
        wait_state(s, alice, ids[0], "running")
        # an upload cut short by the kill
        sock = socket.create_connection(("127.0.0.1", s.port))
        body = b"#" * 100_000
        sock.sendall(b"POST /api/v1/submissions?filename=cut.py HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     alice.encode() + b"\r\nContent-Length: %d\r\n\r\n" % (2 * len(body)) + body)
        time.sleep(0.3)
        os.killpg(old_group, signal.SIGKILL)  # the server, its workers and their jobs, at once
        s.proc.wait()
        sock.close()
        s.proc = None
        assert gone(tag)
        s.start()
        done = s.wait(alice, ids, timeout=120)
        assert all(d["verdict"] == "accepted" for d in done.values()), done
        assert max(d["attempts"] for d in done.values()) <= 2
        listed = s.api("GET", "/api/v1/submissions", alice)[1]["submissions"]
        assert sorted(x["id"] for x in listed) == sorted(ids)  # the cut upload made nothing
    finally:
        s.remove()
