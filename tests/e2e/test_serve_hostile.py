"""Hostile submissions and bad requests against a running service.

Each hostile program gets its verdict, the service stays healthy, and the
host is unchanged: no file written outside the job, nothing secret read,
no process left behind. Bad requests each get a clear 4xx. Main
interpreter only."""
import os
import random
import time

import pytest

from conftest import SANITIZED
from service import Service, archive, marker, processes_with

# (the bad requests and the fuzz run no job: they run under the sanitizers too)
runs_jobs = pytest.mark.skipif(SANITIZED, reason="jobs run the sandboxed footprint, which the ASan runtime does not reach")

MAX_WALL = 12


@pytest.fixture
def service(tmp_path):
    s = Service(tmp_path, ["--max-memory", "300MB", "--max-wall", "%ds" % MAX_WALL, "--max-disk", "64MB",
                           "--max-output", "64kB", "--max-procs", "64", "--max-upload", "1MB"])
    s.token("admin", "admin")
    s.token("mallory")
    s.start()
    yield s
    s.remove()


def hostile_programs(service, tmp_path, tag):
    """{name: (script text, what the verdict must start with)}."""
    host_file = tmp_path / ("written-" + tag)
    return {
        "fork_bomb": ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
                      "rejected: "),
        "network": ("""
import socket, sys
blocked = 0
for addr in (("127.0.0.1", %d), ("192.0.2.1", 80)):
    try:
        socket.create_connection(addr, timeout=3).close()
        print("connected", addr)
    except OSError as e:
        blocked += 1
        print("blocked", addr, e)
sys.exit(0 if blocked == 2 else 1)
""" % service.port, "accepted"),
        "snoop": ("""
import os, sys
leaked = []
for path in (%r, "/etc/shadow", %r, %r):
    try:
        if os.path.isdir(path):
            print("listed", path, os.listdir(path)); leaked.append(path)
        else:
            data = open(path, "rb").read()
            print("read", path, len(data))
            if data:
                leaked.append(path)
    except OSError as e:
        print("blocked", path, e)
sys.exit(1 if leaked else 0)
""" % (service.db, os.path.join(service.data, "jobs"), str(tmp_path)), "accepted"),
        "writer": ("""
import sys
made = []
for path in ("/usr/evil-%s", "/etc/evil-%s", %r):
    try:
        open(path, "w").write("x"); made.append(path)
    except OSError as e:
        print("blocked", path, e)
sys.exit(0)
""" % (tag, tag, str(host_file)), "accepted"),
        "fill_disk": ("""
i = 0
while True:
    with open("fill-%d" % i, "wb") as f:
        f.write(b"x" * 8_000_000)
    i += 1
""", "rejected: over disk cap"),
        "memory": ("""
kept = []
while True:
    kept.append(bytearray(20_000_000))
""", "rejected: over memory cap"),
        "sleep": ("import time\ntime.sleep(10**6)\n", "rejected: over time limit"),
        "flood": ("""
import sys, time
end = time.time() + 2
line = "flood " * 10000 + "\\n"
while time.time() < end:
    sys.stdout.write(line)
""", "accepted"),
        "daemon": ("""
import subprocess
subprocess.Popen(["/bin/sh", "-c", "sleep 1000; echo %s"], start_new_session=True)
print("left a daemon")
""" % tag, "accepted"),
    }, host_file


@runs_jobs
def test_hostile_submissions(service, tmp_path):
    tag = marker()
    mallory = service.tokens["mallory"]
    programs, host_file = hostile_programs(service, tmp_path, tag)
    ids = {name: service.submit(mallory, "%s-%s.py" % (name, tag), text.encode())
           for name, (text, _) in programs.items()}
    start = time.time()
    done = service.wait(mallory, list(ids.values()), timeout=240)
    for name, i in ids.items():
        s = done[i]
        assert s["verdict"].startswith(programs[name][1]), (name, s)
    # the killed ones say what held them
    assert done[ids["sleep"]]["elapsed_s"] is None and time.time() - start >= MAX_WALL
    flood = service.api("GET", "/api/v1/submissions/%d/stdout" % ids["flood"], mallory, raw=True)[1]
    assert 60_000 <= len(flood) <= 64_000 and flood.startswith(b"flood flood")
    net = service.api("GET", "/api/v1/submissions/%d/stdout" % ids["network"], mallory, raw=True)[1]
    assert net.count(b"blocked") == 2, net
    # nothing changed on the host
    assert not os.path.exists("/usr/evil-" + tag) and not os.path.exists("/etc/evil-" + tag)
    assert not host_file.exists()
    assert processes_with(tag) == [], "a job's process outlived it"
    jobs = os.path.join(service.data, "jobs")
    assert os.listdir(jobs) == [], "a job's files outlived it"
    # and the service still works
    assert service.api("GET", "/api/v1/health")[0] == 200
    ok = service.submit(mallory, "fine.py", b"print('fine')\n")
    assert service.wait(mallory, [ok])[ok]["verdict"] == "accepted"


def test_bad_requests(service, tmp_path):
    mallory, admin = service.tokens["mallory"], service.tokens["admin"]
    script = b"print(1)\n"
    # tokens
    assert service.api("GET", "/api/v1/submissions")[0] == 401
    assert service.api("GET", "/api/v1/submissions", "fp_" + "0" * 40)[0] == 401
    assert service.api("POST", "/api/v1/submissions?filename=a.py", None, script)[0] == 401
    assert service.api("POST", "/api/v1/submissions?filename=a.py", "x" * 500, script)[0] == 401
    assert service.api("POST", "/api/v1/tokens", mallory, b'{"name": "x", "role": "admin"}')[0] == 403
    # malformed bodies
    for body in (b"{", b"[]", b'{"name": 3}', b'{"name": "x", "role": "king"}', b""):
        status, answer = service.api("POST", "/api/v1/tokens", admin, body)
        assert status == 400 and answer["error"], body
    assert service.api("PUT", "/api/v1/budgets/bad", admin, b"[run\nmax_peak = 1")[0] == 400
    assert service.api("PUT", "/api/v1/budgets/bad", admin, b'[run]\nmax_peak = "lots"\n')[0] == 400
    # uploads
    status, answer = service.api("POST", "/api/v1/submissions?filename=big.py", mallory, b"#" * 2_000_000)
    assert status == 413 and "larger" in answer["error"]
    for name in ("../x.py", "x.exe", "", ".hidden.py", "a%2Fb.py"):
        assert service.api("POST", "/api/v1/submissions?filename=" + name, mallory, script)[0] == 400, name
    assert service.api("POST", "/api/v1/submissions?filename=empty.py", mallory, b"")[0] == 400
    # archives that reach out, links, bombs, too many files, junk
    entry = {"footprint.toml": 'entry = "m.py"\n', "m.py": "print(1)\n"}
    bad = {
        "dotdot": archive(dict(entry, **{"../escape-%s.py" % os.getpid(): "x"})),
        "dotdot_zip": archive(dict(entry, **{"../escape-%s.py" % os.getpid(): "x"}), "zip"),
        "absolute": archive(dict(entry, **{"/tmp/abs-%s.py" % os.getpid(): "x"}), "tar"),
        "symlink": archive(entry, links=[("link", "/etc/passwd")]),
        "many": archive(dict(entry, **{"f%d" % i: "x" for i in range(300)})),
        "bomb": archive(dict(entry, big=b"\0" * 100_000_000)),
        "junk": b"\x1f\x8b not really gzip",
        "no_entry": archive({"m.py": "print(1)\n"}),
    }
    for name, data in bad.items():
        assert len(data) < 1_000_000, name
        status, answer = service.api("POST", "/api/v1/submissions?filename=%s.tar.gz" % name, mallory, data)
        assert status == 400 and answer["error"], (name, status, answer)
    assert not os.path.exists("/tmp/abs-%s.py" % os.getpid())
    assert service.api("GET", "/api/v1/submissions", mallory)[1]["submissions"] == []
    # unknown routes and submissions
    assert service.api("GET", "/api/v1/submissions/999", mallory)[0] == 404
    assert service.api("GET", "/api/v1/nothing", mallory)[0] == 404
    assert service.api("GET", "/api/v2/submissions", mallory)[0] == 404


def test_fuzz(service):
    """A bounded fuzz: random methods, paths, queries, headers and bodies.
    Nothing may answer 5xx or stop the service."""
    rng = random.Random(16)
    tokens = [None, service.tokens["mallory"], service.tokens["admin"], "junk"]
    paths = ["/api/v1/submissions", "/api/v1/submissions/1", "/api/v1/submissions/1/cancel",
             "/api/v1/submissions/1/profile", "/api/v1/budgets", "/api/v1/budgets/x", "/api/v1/tokens",
             "/api/v1/health", "/", "/api/v1/submissions/-1", "/api/v1/submissions/99999999999999999999"]
    for _ in range(300):
        path = rng.choice(paths)
        if rng.random() < 0.3:
            path += "?" + "&".join("%s=%s" % (rng.choice(["filename", "budget", "python", "limit", "state", "x"]),
                                              rng.choice(["a.py", "", "%00", "-5", "99999", "t.tar.gz", "queued"]))
                                   for _ in range(rng.randint(1, 3)))
        body = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 10, 1000])))
        if rng.random() < 0.3:
            body = rng.choice([b"{}", b'{"name": "f", "role": "submitter"}', b"[run]\n", b"null", b"\xff\xfe"])
        method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH"])
        status, _ = service.api(method, path, rng.choice(tokens), body if method != "GET" else None,
                                {"Idempotency-Key": "k%d" % rng.randint(0, 3)} if rng.random() < 0.3 else None)
        assert 200 <= status < 500, (method, path, body[:40], status)
    assert service.api("GET", "/api/v1/health")[0] == 200
