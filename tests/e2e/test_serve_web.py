"""The service's web pages. In headless Chromium, driven over the DevTools
protocol (--remote-debugging-pipe, stdlib only): log in with a token,
submit through the form, watch the status change live, see the verdict,
its criteria and the embedded report; the screenshot goes to
tests/artifacts/serve.png. Over plain HTTP: CSRF, the login, the
Content-Security-Policy and escaping. Main interpreter only."""
import base64
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import ROOT, SANITIZED
from service import Service
from test_html import CHROMIUM, CHROMIUM_ENV, CHROMIUM_FLAGS, needs_chromium

pytestmark = pytest.mark.skipif(SANITIZED, reason="jobs run the sandboxed footprint, which the ASan runtime does not reach")

ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")


class Browser:
    """A headless Chromium on a pipe: call(method, params) -> result."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="fp-chromium-")
        to_chrome, self.w = os.pipe()
        self.r, from_chrome = os.pipe()
        # the browser reaches the service on 127.0.0.1 and nothing else
        flags = [f if not f.startswith("--host-resolver-rules") else f + ", EXCLUDE 127.0.0.1" for f in CHROMIUM_FLAGS]
        cmd = [CHROMIUM] + flags + ["--remote-debugging-pipe", "--user-data-dir=" + self.dir,
                                             "--window-size=1280,1300", "about:blank"]

        def pipes_at_3_and_4():  # where --remote-debugging-pipe looks for them
            high_in, high_out = os.dup(to_chrome) + 100, os.dup(from_chrome) + 100
            os.dup2(to_chrome, high_in)
            os.dup2(from_chrome, high_out)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        self.proc = subprocess.Popen(cmd, pass_fds=(3, 4), preexec_fn=pipes_at_3_and_4, env=CHROMIUM_ENV,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome)
        os.close(from_chrome)
        self.next_id, self.buf, self.session = 0, b"", None
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")

    def call(self, method, params=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.r, 1 << 16)
                assert chunk, "Chromium went away"
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                assert "error" not in reply, reply
                return reply["result"]

    def js(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        return r["result"].get("value")

    def wait(self, expr, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            try:
                v = self.js(expr)
                if v:
                    return v
            except AssertionError:
                pass  # the page is changing under us
            time.sleep(0.1)
        raise AssertionError("never true: %s (at %s: %s)" % (expr, self.js("location.href"),
                                                             self.js("document.documentElement.outerHTML")[:300]))

    def close(self):
        self.proc.kill()
        self.proc.wait()
        os.close(self.w)
        os.close(self.r)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def service(tmp_path):
    s = Service(tmp_path, workers=1)
    s.token("alice")
    s.token("admin", "admin")
    s.start()
    yield s
    s.remove()


@needs_chromium
def test_browser_login_submit_watch_verdict(service, tmp_path):
    script = tmp_path / "model.py"
    script.write_text("import time\nrows = [bytearray(1000) for _ in range(20000)]\ntime.sleep(2)\n"
                      "print('rows', len(rows))\n")
    b = Browser()
    try:
        b.call("Page.navigate", {"url": service.url + "/login"})
        b.wait("document.readyState === 'complete' && !!document.querySelector('input[name=token]')")
        b.js("document.querySelector('input[name=token]').value = %s; document.forms[0].submit()"
             % json.dumps(service.tokens["alice"]))
        b.wait("location.pathname === '/' && !!document.getElementById('submit')")
        b.wait("document.readyState === 'complete'")
        for attempt in range(20):  # node ids go stale while the page settles
            try:
                root = b.call("DOM.getDocument")["root"]["nodeId"]
                node = b.call("DOM.querySelector", {"nodeId": root, "selector": "input[type=file]"})["nodeId"]
                b.call("DOM.setFileInputFiles", {"nodeId": node, "files": [str(script)]})
                break
            except AssertionError:
                time.sleep(0.2)
        assert b.js("document.querySelector('input[type=file]').files.length") == 1
        b.js("document.getElementById('submit').submit()")
        b.wait("location.pathname.startsWith('/submissions/') && !!document.getElementById('state')")
        seen = [b.js("document.getElementById('state').textContent")]
        assert seen[0] in ("queued", "running"), seen
        end = time.time() + 90
        while seen[-1] != "done" and time.time() < end:
            try:
                state = b.js("document.getElementById('state') && document.getElementById('state').textContent")
            except AssertionError:
                state = None
            if state and state != seen[-1]:
                seen.append(state)
            time.sleep(0.1)
        assert seen[-1] == "done" and len(seen) >= 2, seen  # the page followed the status by itself
        b.wait("!!document.getElementById('verdict')")
        assert b.js("document.getElementById('verdict').textContent") == "accepted"
        rows = b.js("Array.from(document.querySelectorAll('#criteria tr')).map(r => r.textContent)")
        assert any(r.startswith("okrunpeak") for r in rows), rows
        assert b.js("document.getElementById('stdout').textContent") == "rows 20000\n"
        # the embedded report: a frame of its own that loaded the HTML report
        b.wait("!!document.getElementById('report')")
        time.sleep(1.5)
        # (a sandboxed frame runs in a process of its own: a target of its own)
        assert b.js("performance.getEntriesByType('resource').filter(e => e.name.endsWith('/report'))"
                    ".map(e => e.initiatorType + ' ' + e.responseStatus)") == ["iframe 200"]
        frame = [t for t in b.call("Target.getTargets")["targetInfos"]
                 if t["type"] == "iframe" and t["url"].endswith("/submissions/1/report")]
        assert frame, "no report frame"
        page_session = b.session
        b.session = None
        b.session = b.call("Target.attachToTarget", {"targetId": frame[0]["targetId"], "flatten": True})["sessionId"]
        b.wait("document.readyState === 'complete' && document.body.innerText.includes('model.py')")
        b.session = page_session
        shot = b.call("Page.captureScreenshot", {"format": "png"})["data"]
        os.makedirs(ARTIFACTS, exist_ok=True)
        with open(os.path.join(ARTIFACTS, "serve.png"), "wb") as f:
            f.write(base64.b64decode(shot))
    finally:
        b.close()


def session(service, token):
    """An opener with the session cookie of TOKEN's login."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    r = opener.open(service.url + "/login", urllib.parse.urlencode({"token": token}).encode())
    assert r.status == 200 and r.url.endswith("/")
    cookie = [c for c in jar if c.name == "fp_session"][0]
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.get_nonstandard_attr("SameSite") == "Strict"
    return opener


def fetch(opener, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(req) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def multipart(fields, filename, content):
    boundary = "----fp-test-boundary"
    parts = []
    for k, v in fields.items():
        parts.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k, v))
    parts.append('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
                 'Content-Type: text/x-python\r\n\r\n' % (boundary, filename))
    body = "".join(parts).encode() + content + ("\r\n--%s--\r\n" % boundary).encode()
    return body, {"Content-Type": "multipart/form-data; boundary=" + boundary}


def test_csrf_login_csp_escaping(service):
    alice = service.tokens["alice"]
    # no session: every page sends to the login form; a bad token is refused
    status, _, _ = fetch(urllib.request.build_opener(), service.url + "/")
    assert status == 200  # (followed the redirect to /login)
    assert fetch(urllib.request.build_opener(), service.url + "/login",
                 urllib.parse.urlencode({"token": "fp_nope"}).encode())[0] == 403
    web = session(service, alice)
    status, headers, page = fetch(web, service.url + "/")
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in page and "style=" not in page  # nothing inline for the policy to allow
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    hostile = b"print('<script>alert(1)</script> & \"quotes\"')\n"
    # without the CSRF token (or with another), the form is refused and nothing is queued
    for fields in ({}, {"csrf": "0" * 64}):
        body, h = multipart(fields, "x.py", hostile)
        status, _, page = fetch(web, service.url + "/submit", body, h)
        assert status == 400 and "expired" in page
    assert service.api("GET", "/api/v1/submissions", alice)[1]["submissions"] == []
    # a cookie alone does not reach the API's writes
    assert fetch(web, service.url + "/api/v1/submissions?filename=x.py", hostile)[0] == 401
    body, h = multipart({"csrf": csrf, "budget": "default"}, "x.py", hostile)
    status, _, page = fetch(web, service.url + "/submit", body, h)
    assert status == 200 and "Submission 1" in page
    service.wait(alice, [1])
    status, _, page = fetch(web, service.url + "/submissions/1")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert "<script>alert" not in page
    # another submitter's page is not there for them
    bob = service.token("bob")
    assert fetch(session(service, bob), service.url + "/submissions/1")[0] == 404


def test_compare_page(service):
    """Two submissions side by side through `footprint compare`: its table
    on the page, its chart page framed; another submitter's is refused."""
    alice = service.tokens["alice"]
    small = service.submit(alice, "model.py", b"data = bytearray(10_000_000)\nprint(len(data))\n")
    large = service.submit(alice, "model.py", b"data = bytearray(80_000_000)\nprint(len(data))\n")
    service.wait(alice, [small, large])
    web = session(service, alice)
    status, headers, page = fetch(web, service.url + "/compare?a=%d&b=%d" % (small, large))
    assert status == 200, page
    table = re.search(r'<pre id="compare">(.*?)</pre>', page, re.S).group(1)
    peak = [l for l in table.splitlines() if l.split()[:1] == ["peak"]][0].split()
    assert peak[-1].endswith("x") and float(peak[-1][:-1]) > 1.5, table  # 80 MB kept against 10 MB
    assert '<iframe id="report" sandbox="allow-scripts" src="/compare/%d/%d/report">' % (small, large) in page
    status, headers, chart = fetch(web, service.url + "/compare/%d/%d/report" % (small, large))
    assert status == 200 and "sandbox" in headers["Content-Security-Policy"] and "<html" in chart.lower()
    bob = service.token("bob")
    assert fetch(session(service, bob), service.url + "/compare?a=%d&b=%d" % (small, large))[0] == 404
    assert not [d for d in os.listdir("/tmp") if d.startswith("fp-compare-")]
