"""A `footprint serve` for the service's tests: started in a temporary
directory on a free loopback port, with its tokens made by `serve token
add`, and stopped (with every process it started) at the end."""
import io
import json
import os
import signal
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile

from conftest import FOOTPRINT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, tmp_path, options=(), workers=2, db=None):
        self.dir = tmp_path
        self.db = db or str(tmp_path / "state.sqlite")
        # the jobs run as an unprivileged uid, which must pass through every
        # directory above its own: pytest's tmp_path is private, /tmp is not
        self.data_root = tempfile.mkdtemp(prefix="fp-serve-", dir="/tmp")
        os.chmod(self.data_root, 0o711)
        self.data = os.path.join(self.data_root, "data")
        self.options = list(options)
        self.workers = workers
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = None
        self.tokens = {}
        self.log = tmp_path / "serve.log"

    def token(self, name, role="submitter"):
        out = subprocess.run([FOOTPRINT, "serve", "token", "add", name, "--role", role, "--db", self.db],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        self.tokens[name] = out.stdout.strip()
        return self.tokens[name]

    def start(self, wait=True):
        cmd = [FOOTPRINT, "serve", "--db", self.db, "--data", self.data, "--listen", "127.0.0.1:%d" % self.port,
               "--workers", str(self.workers)] + self.options
        self.proc = subprocess.Popen(cmd, stdout=open(self.log, "a"), stderr=subprocess.STDOUT,
                                     start_new_session=True, cwd=str(self.dir))
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                status, body = self.api("GET", "/api/v1/health")
                if status == 200:
                    return body
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("the service did not answer: " + self.log.read_text())

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:  # the workers and their jobs share the server's process group
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None

    def remove(self):
        self.stop()
        shutil.rmtree(self.data_root, ignore_errors=True)

    def api(self, method, path, token=None, body=None, headers=None, raw=False):
        """(status, parsed JSON body or bytes)."""
        req = urllib.request.Request(self.url + path, data=body, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, data = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, data = e.code, e.read()
        if raw:
            return status, data
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, data

    def put_budget(self, name, text, token):
        status, body = self.api("PUT", "/api/v1/budgets/" + name, token, text.encode())
        assert status == 200, body

    def submit(self, token, filename, content, budget=None, key=None):
        """The new submission's id."""
        q = "filename=" + filename + ("&budget=" + budget if budget else "")
        headers = {"Idempotency-Key": key} if key else {}
        status, body = self.api("POST", "/api/v1/submissions?" + q, token, content, headers)
        assert status in (200, 201), (status, body)
        return body["id"]

    def wait(self, token, ids, timeout=180):
        """{id: submission} once every one of IDS is done."""
        done, end = {}, time.time() + timeout
        while len(done) < len(ids) and time.time() < end:
            for i in ids:
                if i not in done:
                    status, s = self.api("GET", "/api/v1/submissions/%d" % i, token)
                    assert status == 200, s
                    if s["state"] == "done":
                        done[i] = s
            time.sleep(0.2)
        assert len(done) == len(ids), "no verdict in time for %s" % sorted(set(ids) - set(done))
        return done


def criteria(s):
    """{(target, first word of the text): status} of a submission's verdict."""
    return {(c["target"], c["text"].split()[0]): c["status"] for c in s["criteria"] or []}


def archive(files, kind="tar.gz", links=()):
    """A tar.gz or zip of FILES ({path: text or bytes}); LINKS are (path, target) symlinks."""
    buf = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(buf, "w") as z:
            for path, text in files.items():
                z.writestr(path, text)
    else:
        with tarfile.open(fileobj=buf, mode="w:gz" if kind == "tar.gz" else "w") as t:
            for path, text in files.items():
                data = text.encode() if isinstance(text, str) else text
                info = tarfile.TarInfo(path)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            for path, target in links:
                info = tarfile.TarInfo(path)
                info.type = tarfile.SYMTYPE
                info.linkname = target
                t.addfile(info)
    return buf.getvalue()


def marker():
    return "fp-test-" + uuid.uuid4().hex[:12]


def processes_with(text):
    """Pids whose command line holds TEXT."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    if text.encode() in f.read():
                        found.append(int(pid))
            except OSError:
                pass
    return found


def gone(text, timeout=10):
    """Whether every process whose command line holds TEXT is gone within
    TIMEOUT seconds (a killed job's processes go in a chain: its worker, the
    sandbox, then everything in its pid namespace)."""
    end = time.time() + timeout
    while processes_with(text) and time.time() < end:
        time.sleep(0.1)
    return processes_with(text) == []
