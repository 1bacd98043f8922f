#!/usr/bin/env python3
"""The validation service under load: 200 submissions of a small program,
queued at once from 10 clients (each its own submitter), run by 2 workers
against SQLite. Checks that every one reaches its verdict, none is lost,
and the queue is fair (round-robin across submitters); measures the API's
latency (submit, get, list, health) while the jobs run, and prints p50,
p99 and the worst. The p99 should stay under 100 ms.

  serve_load.py [--clients N] [--per-client N] [--workers N] [--footprint PATH] [--json FILE]

Standard library only."""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAM = b"total = sum(i * i for i in range(200000))\nprint(total)\n"


def api(url, method="GET", token=None, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, data = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, data = e.code, e.read()
    return status, json.loads(data) if data else None, time.perf_counter() - t0


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--per-client", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--footprint", default=os.path.join(ROOT, "build", "footprint"))
    ap.add_argument("--json", help="save the figures to this file")
    o = ap.parse_args()

    work = tempfile.mkdtemp(prefix="fp-serve-load-", dir="/tmp")
    os.chmod(work, 0o711)
    db = os.path.join(work, "state.sqlite")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = "http://127.0.0.1:%d" % port
    tokens = {}
    for i in range(o.clients):
        name = "client%02d" % i
        tokens[name] = subprocess.run([o.footprint, "serve", "token", "add", name, "--role", "submitter", "--db", db],
                                      capture_output=True, text=True, check=True).stdout.strip()
    admin = subprocess.run([o.footprint, "serve", "token", "add", "ops", "--role", "reviewer", "--db", db],
                           capture_output=True, text=True, check=True).stdout.strip()
    server = subprocess.Popen([o.footprint, "serve", "--db", db, "--data", os.path.join(work, "data"), "--listen",
                               "127.0.0.1:%d" % port, "--workers", str(o.workers)], start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "w"))
    lat = {"submit": [], "get": [], "list": [], "health": []}
    try:
        for _ in range(300):
            try:
                if api(url + "/api/v1/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        ids, lock, start = {}, threading.Lock(), time.time()

        def client(name):
            for k in range(o.per_client):
                status, body, dt = api(url + "/api/v1/submissions?filename=job.py", "POST", tokens[name], PROGRAM,
                                       {"Idempotency-Key": "%s-%d" % (name, k)})
                assert status == 201, (status, body)
                with lock:
                    ids[body["id"]] = name
                    lat["submit"].append(dt)

        threads = [threading.Thread(target=client, args=(n,)) for n in tokens]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        queued_in = time.time() - start
        # while the jobs run: what a UI or a client polling its submission costs
        done = {}
        while len(done) < len(ids):
            for path, kind in (("/api/v1/health", "health"), ("/api/v1/submissions?limit=50", "list")):
                lat[kind].append(api(url + path, token=admin)[2])
            for i in list(ids)[:: max(1, len(ids) // 20)]:
                status, s, dt = api(url + "/api/v1/submissions/%d" % i, token=admin)
                lat["get"].append(dt)
            status, body, _ = api(url + "/api/v1/submissions?state=done&limit=1000", token=admin)
            done = {s["id"]: s for s in body["submissions"]}
            if time.time() - start > 3600:
                break
            time.sleep(0.05)
        total = time.time() - start
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)

    verdicts = {}
    for s in done.values():
        verdicts[s["verdict"]] = verdicts.get(s["verdict"], 0) + 1
    lost = sorted(set(ids) - set(done))
    # fairness: once all were queued, every 10 jobs in a row came from 10 submitters
    order = [s["submitter"] for s in sorted(done.values(), key=lambda s: (s["started_ms"], s["id"]))]
    last_queue = max(s["created_ms"] for s in done.values())
    after = [s["submitter"] for s in sorted(done.values(), key=lambda s: (s["started_ms"], s["id"]))
             if s["started_ms"] > last_queue]
    n = o.clients
    windows = [len(set(after[i:i + n])) for i in range(0, max(0, len(after) - n + 1))]
    fig = {"submissions": len(ids), "verdicts": verdicts, "lost": lost, "queued_in_s": round(queued_in, 2),
           "all_verdicts_in_s": round(total, 1), "jobs_per_s": round(len(done) / total, 2),
           "fair_min_distinct_per_window": min(windows) if windows else None, "window": n,
           "latency_ms": {k: {"n": len(v), "p50": round(1000 * pct(v, 50), 1), "p99": round(1000 * pct(v, 99), 1),
                              "max": round(1000 * max(v), 1)} for k, v in lat.items() if v}}
    print("footprint serve under load: %d submissions from %d clients, %d workers (SQLite)"
          % (len(ids), o.clients, o.workers))
    print("  queued in %.2f s; every verdict in %.1f s (%.2f jobs/s); verdicts: %s; lost: %d"
          % (queued_in, total, fig["jobs_per_s"], verdicts, len(lost)))
    print("  fairness: after the last submission, every %d jobs in a row came from at least %s submitters"
          % (n, fig["fair_min_distinct_per_window"]))
    print("  API latency while jobs ran (ms):      n     p50     p99     max")
    for k, v in fig["latency_ms"].items():
        print("    %-32s %6d %7.1f %7.1f %7.1f" % (k, v["n"], v["p50"], v["p99"], v["max"]))
    worst = max(v["p99"] for v in fig["latency_ms"].values())
    print("  p99 under 100 ms: %s" % ("yes" if worst < 100 else "NO (%.1f ms)" % worst))
    if o.json:
        with open(o.json, "w") as f:
            json.dump(fig, f, indent=1)
    ok = not lost and len(done) == len(ids) and verdicts.get("accepted") == len(ids)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
