"""The processes behind the web UI test, all on loopback: skyhauld, the
test origin, opentracker and a libtorrent seeder. Every wait is bounded;
every child is stopped and reaped on close."""
import json
import os
import select
import shutil
import signal
import sys
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def wait_for(what, pred, timeout):
    """Polls `pred` until it is true; raises naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(0.02)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def read_line(p, name, timeout):
    """The first stdout line of `p`, waited for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    buf = b""
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("%s printed no line within %.0f s" % (name, timeout))
        ready, _, _ = select.select([p.stdout], [], [], left)
        if ready:
            c = os.read(p.stdout.fileno(), 1)
            if not c:
                raise RuntimeError("%s exited with %s before its first line" % (name, p.wait()))
            buf += c
    return buf.decode()


class http_reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def json(self):
        return json.loads(self.body or b"null")


def http(method, url, body=None, headers=None):
    """One HTTP call; answers every status instead of raising."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return http_reply(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return http_reply(e.code, dict(e.headers), e.read())


class processes:
    def __init__(self, skyhauld, support):
        self.skyhauld = skyhauld
        self.support = support
        self.children = []
        self.dir = tempfile.mkdtemp(prefix="skyhaul-ui-")
        self.data = os.path.join(self.dir, "data")
        os.mkdir(self.data)

    def child(self, argv, first_line=True, cwd=None, timeout=30):
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, cwd=cwd)
        self.children.append(p)
        if not first_line:
            return p, None
        return p, json.loads(read_line(p, argv[0], timeout) or "{}")

    def start_daemon(self):
        listen = os.path.join(self.data, "listen.json")
        log = open(os.path.join(self.dir, "skyhauld.log"), "ab")
        p = subprocess.Popen(
            [self.skyhauld, "--data-dir", self.data, "--api", "127.0.0.1:0",
             "--offline", "127.0.0.1:0", "--s3", "127.0.0.1:0",
             "--allow-private-networks", "--bt-listen=127.0.0.1:0", "--bt-dht=false",
             "--bt-lsd=false", "--bt-port-mapping=false",
             # Slow enough that a torrent's files can be picked while it runs.
             "--bt-task-download-limit=150000"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.children.append(p)

        def ready():
            if p.poll() is not None:
                raise RuntimeError("skyhauld exited at start: " + self.daemon_log())
            return os.path.exists(listen)
        wait_for("skyhauld's listen.json", ready, 30)
        with open(listen) as f:
            self.listen = json.load(f)
        with open(os.path.join(self.data, "admin.json")) as f:
            self.admin = json.load(f)
        self.base = "http://" + self.listen["api"]
        return self.base

    def daemon_log(self):
        try:
            with open(os.path.join(self.dir, "skyhauld.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def add_user(self, name, email, password):
        out = subprocess.run([self.skyhauld, "user", "add", name, "--email", email,
                              "--password-stdin", "--data-dir", self.data],
                             input=(password + "\n").encode(), capture_output=True,
                             timeout=60, check=True)
        return json.loads(out.stdout)

    def start_origin(self):
        _, line = self.child(["/usr/bin/python3", os.path.join(self.support, "origin.py")])
        return "http://127.0.0.1:%d" % line["port"]

    def start_swarm(self, name, files):
        """A torrent of `files` [(relpath, size)], announced to a local
        opentracker and seeded; returns (torrent path, made info, with the
        seeder's "peer" address for a magnet link's x.pe)."""
        tdir = os.path.join(self.dir, "tracker-" + name)
        os.mkdir(tdir)
        os.chmod(self.dir, 0o755)
        os.chmod(tdir, 0o755)
        port = free_port()
        announce = "http://127.0.0.1:%d/announce" % port
        seed_dir = os.path.join(self.dir, "seed-" + name)
        os.mkdir(seed_dir)
        torrent = os.path.join(self.dir, name + ".torrent")
        out = subprocess.run(
            ["/usr/bin/python3", os.path.join(self.support, "seeder.py"), "make", "--data", seed_dir,
             "--name", name, "--tracker", announce, "--out", torrent]
            + ["%s:%d" % f for f in files], capture_output=True, timeout=60, check=True)
        made = json.loads(out.stdout.decode().strip().splitlines()[-1])
        with open(os.path.join(tdir, "whitelist"), "w") as f:
            f.write(made["info_hash"] + "\n")
        os.chmod(os.path.join(tdir, "whitelist"), 0o644)
        self.child(["opentracker", "-i", "127.0.0.1", "-p", str(port), "-P", str(port),
                    "-d", ".", "-w", "whitelist"], first_line=False, cwd=tdir)
        wait_for("opentracker on port %d" % port, lambda: port_open(port), 20)
        _, line = self.child(["/usr/bin/python3", os.path.join(self.support, "seeder.py"), "seed",
                              "--torrent", torrent, "--data", seed_dir], timeout=60)
        made["peer"] = "127.0.0.1:%d" % line["port"]
        scrape = "http://127.0.0.1:%d/scrape?info_hash=%s" % (
            port, urllib.parse.quote(bytes.fromhex(made["info_hash"])))

        def seeded():
            body = http("GET", scrape).body
            i = body.find(b"8:completei")
            return i >= 0 and int(body[i + 11:body.index(b"e", i + 11)]) >= 1
        wait_for("the seeder's announce", seeded, 60)
        return torrent, made

    def close(self):
        for p in reversed(self.children):
            if p.poll() is None:
                try:
                    if p.stdin:
                        p.stdin.close()
                    p.send_signal(signal.SIGTERM)
                    p.wait(timeout=10)
                except (subprocess.TimeoutExpired, OSError):
                    p.kill()
                    p.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def forging_site(target, origin):
    """Another origin on loopback whose pages post forms at `target` as a
    hostile site would: GET /task forges a task, any other path a
    community post. text/plain forms send name=value, which the page makes
    one JSON object. Returns (its base URL, a function that stops it)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class forger(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            action = "/task" if self.path == "/task" else "/ui/api/community/post"
            field = ('{"url":"%s/file/1000?a' % origin) if action == "/task" else '{"title":"csrf","content":"a'
            page = ('<!doctype html><form id="f" method="POST" enctype="text/plain" action="%s%s">'
                    '<input name=\'%s\' value=\'b"}\'></form><script>f.submit()</script>'
                    % (target, action, field)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), forger)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d" % srv.server_address[1], srv.shutdown


def start_browser():
    """Headless Chromium with the console and network logs on; exits the
    test with a clear failure when it cannot start."""
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,900", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--metrics-recording-only", "--no-default-browser-check",
              "--force-prefers-reduced-motion"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    try:
        return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    except WebDriverException as e:
        sys.exit("FAIL: headless Chromium did not start: %s" % e.msg)
