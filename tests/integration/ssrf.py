#!/usr/bin/python3
"""Every way to reach where the daemon should not: SSRF and path traversal.

The test makes a network namespace of its own (`unshare -n -m`, so it needs
root; it skips with 77 without it) and, in it, a small world (the
addresses sit on `lo`, which needs no kernel module):

  10.77.0.1     the allowed "public" host: the test origin (origin.py's
                routes, plus a redirect, a callback receiver, WebDAV and a
                tracker) and a seeder (seeder.py), the only network the
                daemon may reach (`--allow-network 10.77.0.1/32`, no
                --allow-private-networks)
  10.77.0.53    a DNS server the test answers from its own table (TTL 0),
                through a private /etc/resolv.conf bind-mounted over the
                real one
  traps         listeners on 127.0.0.1, ::1, 10.77.0.2, 169.254.169.254,
                100.64.0.1 and fc00::1 (HTTP, tracker, peer, FTP and SSH
                ports; UDP for trackers and the DHT): they log every
                connection and
                datagram, and must never see one. That is the proof that
                nothing got through, whatever the daemon says.

Then the real skyhauld is asked, through its faces, to fetch from every
form of a private address (numeric forms of IPv4, IPv6 literals with zones,
mapped and NAT64 forms, names resolving private, userinfo tricks, redirects,
DNS rebinding), to use private .torrent URLs, trackers, web seeds, peers
and DHT contacts (two more daemons with the DHT on),
to deliver callbacks and pushes to private hosts; and to store objects
under keys, torrent paths, archive entries and remote folders that would
leave their place. Each must be refused (at submit in the face's error
shape, or as a task failed with `blocked_address`), the traps must stay
silent, and nothing may appear beside the data dir (a sentinel folder next
to it stays empty). The allowed origin itself must work: downloads,
torrents, callbacks and pushes through it end byte-exact.

usage: ssrf.py SKYHAULD SUPPORT_DIR [--permissive] [--only PART,...]

--permissive starts the daemon with --allow-private-networks: the traps
then hear from it and the test fails; that shows the test can fail.
"""
import base64
import hashlib
import http.client
import importlib.util
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zipfile
from http.server import ThreadingHTTPServer

NS_ENV = "SKYHAUL_SSRF_NAMESPACE"

if os.environ.get(NS_ENV) != "1":
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("SKIP: needs root and unshare for a network namespace")
        sys.exit(77)
    env = dict(os.environ, **{NS_ENV: "1"})
    for k in list(env):
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            del env[k]
    # The namespaces end with the last process in them: this one.
    os.execvpe("unshare", ["unshare", "--net", "--mount", "--propagation",
                           "private", sys.executable] + sys.argv, env)

SKYHAULD = sys.argv[1]
SUPPORT = sys.argv[2]
PERMISSIVE = "--permissive" in sys.argv[3:]
# --only a,b: only those parts (names in main), to look at one closely.
ONLY = None
if "--only" in sys.argv[3:]:
    ONLY = set(sys.argv[sys.argv.index("--only") + 1].split(","))

ALLOWED = "10.77.0.1"
OTHER = "10.77.0.2"
DNS_ADDR = "10.77.0.53"
TRAP_V4 = ["127.0.0.1", OTHER, "169.254.169.254", "100.64.0.1"]
TRAP_V6 = ["::1", "fc00::1"]
TRAP_TCP_PORTS = [80, 8080, 6969, 6881, 21, 22, 9000]
TRAP_UDP_PORTS = [6969, 6881]

failures = []
report = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


def wait_for(pred, limit=30.0, step=0.05):
    deadline = time.monotonic() + limit
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def run(*cmd):
    subprocess.run(cmd, check=True)


# --- the namespace's network and resolver ---------------------------------

def set_up_network(root):
    run("ip", "link", "set", "lo", "up")
    for a in [ALLOWED, OTHER, DNS_ADDR, "169.254.169.254", "100.64.0.1"]:
        run("ip", "addr", "add", a + "/32", "dev", "lo")
    run("ip", "-6", "addr", "add", "fc00::1/128", "dev", "lo", "nodad")
    conf = os.path.join(root, "resolv.conf")
    with open(conf, "w") as f:
        f.write("nameserver %s\noptions timeout:1 attempts:2\n" % DNS_ADDR)
    # Over the real file (a symlink's target alike), for this mount
    # namespace only.
    run("mount", "--bind", conf, "/etc/resolv.conf")


class Dns:
    """A UDP DNS server: A and AAAA from `table`, TTL 0, NXDOMAIN else.

    table[name] = {"A": [...], "AAAA": [...]} or a function
    (qtype, nth_query_of_that_type) -> list of addresses."""

    def __init__(self, table):
        self.table = table
        self.count = {}
        self.log = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((DNS_ADDR, 53))
        threading.Thread(target=self.serve, daemon=True).start()

    def answers(self, name, qtype):
        entry = self.table.get(name)
        if entry is None:
            return None
        kind = {1: "A", 28: "AAAA"}.get(qtype)
        with self.lock:
            n = self.count.get((name, kind), 0)
            self.count[(name, kind)] = n + 1
        if kind is None:
            return []
        got = entry(kind, n) if callable(entry) else entry.get(kind, [])
        with self.lock:
            self.log.append((name, kind, list(got)))
        return got

    def serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
                reply = self.reply(data)
                if reply:
                    self.sock.sendto(reply, peer)
            except OSError:
                return
            except Exception as e:  # a malformed query: no answer
                print("dns:", e, flush=True)

    def reply(self, data):
        if len(data) < 12:
            return None
        i, labels = 12, []
        while data[i] != 0:
            n = data[i]
            labels.append(data[i + 1:i + 1 + n].decode("ascii").lower())
            i += 1 + n
        i += 1
        qtype, _ = struct.unpack(">HH", data[i:i + 4])
        question = data[12:i + 4]
        got = self.answers(".".join(labels), qtype)
        rcode = 3 if got is None else 0
        rd = data[2] & 1
        flags = 0x8000 | 0x0400 | (rd << 8) | 0x0080 | rcode
        body = b""
        for addr in got or []:
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            if (fam == socket.AF_INET6) != (qtype == 28):
                continue
            rdata = socket.inet_pton(fam, addr)
            body += b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 0,
                                              len(rdata)) + rdata
        count = body.count(b"\xc0\x0c")
        return (data[:2] + struct.pack(">HHHHH", flags, 1, count, 0, 0)
                + question + body)


class Traps:
    """Listeners where nothing may arrive; each connection or datagram is
    logged (and an HTTP 200 answered, so that a leak would even succeed)."""

    def __init__(self):
        self.log = []
        self.lock = threading.Lock()
        self.socks = []
        for addr in TRAP_V4 + TRAP_V6:
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            for port in TRAP_TCP_PORTS:
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((addr, port))
                s.listen(64)
                self.socks.append(s)
                threading.Thread(target=self.accept, args=(s, addr, port),
                                 daemon=True).start()
            for port in TRAP_UDP_PORTS:
                s = socket.socket(fam, socket.SOCK_DGRAM)
                s.bind((addr, port))
                self.socks.append(s)
                threading.Thread(target=self.datagrams, args=(s, addr, port),
                                 daemon=True).start()

    def note(self, what):
        with self.lock:
            self.log.append(what)
        print("TRAP:", what, flush=True)

    def accept(self, s, addr, port):
        while True:
            try:
                c, peer = s.accept()
            except OSError:
                return
            threading.Thread(target=self.talk, args=(c, addr, port, peer),
                             daemon=True).start()

    def talk(self, c, addr, port, peer):
        c.settimeout(1.0)
        data = b""
        try:
            data = c.recv(2048)
        except OSError:
            pass
        self.note({"proto": "tcp", "to": "%s:%d" % (addr, port),
                   "from": str(peer[0]),
                   "first": data[:200].decode("latin-1")})
        try:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n"
                      b"Connection: close\r\n\r\ntrap")
        except OSError:
            pass
        c.close()

    def datagrams(self, s, addr, port):
        while True:
            try:
                data, peer = s.recvfrom(4096)
            except OSError:
                return
            self.note({"proto": "udp", "to": "%s:%d" % (addr, port),
                       "from": str(peer[0]),
                       "first": data[:200].decode("latin-1")})

    def count(self):
        with self.lock:
            return len(self.log)

    def since(self, n):
        with self.lock:
            return list(self.log[n:])


# --- the allowed origin -----------------------------------------------------

def load_origin():
    spec = importlib.util.spec_from_file_location(
        "skyhaul_origin", os.path.join(SUPPORT, "origin.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


origin = load_origin()

POSTS = []      # (path, headers, body) of POSTs: callbacks
DAV = {}        # WebDAV path -> bytes
DAV_LOG = []    # (method, path)
TORRENTS = {}   # /t/<name> -> bytes
FILES = {}      # /blob/<name> -> bytes
ANNOUNCES = []  # query dicts of /announce
TRACKER = {"peers": b"", "peers6": b""}
EXTRA_LOCK = threading.Lock()


class Allowed(origin.Handler):
    """origin.py's routes, plus the ones this test needs:
      /to[/...]?url=U        302 to U (any scheme, any host)
      /t/<name>              a .torrent of the test's table
      /blob/<name>           a file of the test's table (an archive)
      /announce              a tracker: the test's peers to Skyhaul
                             (peer id -SK...), none to anyone else
      POST <any>             logged (callbacks), 200
      MKCOL, PUT /dav/...    a WebDAV server keeping what it is sent
    """

    def extra(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        with origin.LOG_LOCK:
            origin.LOG.append({"path": self.path, "range": None,
                               "if_range": None})
        if url.path == "/to" or url.path.startswith("/to/"):
            self.send_plain(302, b"", [("Location", q["url"][0])])
            return True
        if url.path.startswith("/t/") and url.path in TORRENTS:
            self.send_plain(200, TORRENTS[url.path],
                            [("Content-Type", "application/x-bittorrent")])
            return True
        if url.path in FILES:
            self.send_plain(200, FILES[url.path],
                            [("Content-Type", "application/octet-stream")])
            return True
        if url.path == "/announce":
            with EXTRA_LOCK:
                ANNOUNCES.append({k: v[0] for k, v in q.items()})
            peers = b""
            peers6 = b""
            if q.get("peer_id", [""])[0].startswith("-SK"):
                peers, peers6 = TRACKER["peers"], TRACKER["peers6"]
            body = (b"d8:intervali1800e5:peers%d:" % len(peers) + peers
                    + b"6:peers6%d:" % len(peers6) + peers6 + b"e")
            self.send_plain(200, body, [("Content-Type", "text/plain")])
            return True
        return False

    def do_GET(self):
        if not self.extra():
            self.handle_any(head=False)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        body = self.body()
        url = urllib.parse.urlparse(self.path)
        with EXTRA_LOCK:
            POSTS.append((self.path, dict(self.headers), body))
        if url.path == "/to":
            q = urllib.parse.parse_qs(url.query)
            return self.send_plain(302, b"", [("Location", q["url"][0])])
        self.send_plain(200, b"ok")

    def do_PUT(self):
        body = self.body()
        with EXTRA_LOCK:
            DAV_LOG.append(("PUT", self.path))
            DAV[self.path] = body
        self.send_plain(201, b"")

    def do_MKCOL(self):
        with EXTRA_LOCK:
            DAV_LOG.append(("MKCOL", self.path))
        self.send_plain(201, b"")


# --- bencode and torrents ---------------------------------------------------

def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:" % len(v) + v
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        out = b"d"
        for k in sorted(v, key=lambda k: k.encode() if isinstance(k, str)
                        else k):
            out += bencode(k) + bencode(v[k])
        return out + b"e"
    raise TypeError(v)


PIECE = 32768


def info_for(files, name="pack"):
    """A v1 info dict of `files` [(path list, bytes)], multi-file."""
    blob = b"".join(data for _, data in files)
    pieces = b"".join(hashlib.sha1(blob[i:i + PIECE]).digest()
                      for i in range(0, max(len(blob), 1), PIECE))
    return {"name": name, "piece length": PIECE, "pieces": pieces,
            "files": [{"length": len(d), "path": p} for p, d in files]}


def compact(addrs):
    out = b""
    for a, port in addrs:
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        out += socket.inet_pton(fam, a) + struct.pack(">H", port)
    return out


# --- talking to the daemon --------------------------------------------------

class Daemon:
    def __init__(self, root, extra=(), name="data"):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir, exist_ok=True)
        args = [SKYHAULD, "--data-dir", self.dir, "--api", "127.0.0.1:0",
                "--offline", "127.0.0.1:0", "--s3", "127.0.0.1:0",
                "--bt-listen=%s:0" % ALLOWED, "--bt-dht=false",
                "--bt-lsd=false", "--bt-port-mapping=false",
                "--allow-network", ALLOWED + "/32",
                "--callback-retry-base-ms", "100"] + list(extra)
        if PERMISSIVE:
            args.append("--allow-private-networks")
        listen = os.path.join(self.dir, "listen.json")
        self.log = open(os.path.join(root, "work", name + ".log"), "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        if not wait_for(lambda: os.path.exists(listen)
                        or self.proc.poll() is not None, 30):
            raise RuntimeError("skyhauld did not write listen.json")
        if self.proc.poll() is not None:
            raise RuntimeError("skyhauld exited: " + self.log_text())
        with open(listen) as f:
            self.ports = {k: int(v.rsplit(":", 1)[1])
                          for k, v in json.load(f).items()
                          if isinstance(v, str) and ":" in v}
        with open(os.path.join(self.dir, "admin.json")) as f:
            self.admin = json.load(f)
        self.key = self.admin["api_key"]

    def log_text(self):
        with open(self.log.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def call(self, method, path, body=None, headers=None, listener="api",
             key=True):
        h = dict(headers or {})
        if key and listener == "api":
            h.setdefault("Authorization", "Bearer " + self.key)
        if isinstance(body, str):
            body = body.encode()
        c = http.client.HTTPConnection("127.0.0.1", self.ports[listener],
                                       timeout=30)
        try:
            c.putrequest(method, path, skip_host=False,
                         skip_accept_encoding=True)
            for k, v in h.items():
                c.putheader(k, v)
            c.putheader("Content-Length", str(len(body or b"")))
            c.endheaders(body or b"")
            r = c.getresponse()
            return r.status, r.read(), {k.lower(): v for k, v in
                                        r.getheaders()}
        finally:
            c.close()

    def json(self, method, path, body=None, **kw):
        status, data, _ = self.call(method, path, body, **kw)
        try:
            return status, json.loads(data or b"null")
        except ValueError:
            return status, {"raw": data.decode("latin-1")}

    def create(self, spec):
        """POST /task: (tid or None, status, body)."""
        status, body = self.json("POST", "/task", json.dumps(spec),
                                 headers={"Content-Type":
                                          "application/json"})
        tid = body.get("tid") if status == 200 and isinstance(body, dict) \
            else None
        return tid, status, body

    def status(self, tid):
        return self.json("GET", "/task/tid/%s/status" % tid)[1]

    def await_end(self, tid, limit=30):
        last = {}

        def done():
            nonlocal last
            last = self.status(tid)
            st = (last.get("detail") or {}).get("state")
            return st in ("finished", "failed", "cancelled")
        wait_for(done, limit)
        return last

    def form(self, path, fields):
        return self.json("POST", path + "?key=" + self.key,
                         urllib.parse.urlencode(fields),
                         headers={"Content-Type":
                                  "application/x-www-form-urlencoded"})

    def signed(self, listener, method, path, body=b"", ctype=None):
        """A request signed by botocore's SigV4, the path sent as given."""
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        base = "http://127.0.0.1:%d" % self.ports[listener]
        req = AWSRequest(method=method, url=base + path, data=body)
        if ctype:
            req.headers["Content-Type"] = ctype
        S3SigV4Auth(Credentials(self.admin["access_key"],
                                self.admin["secret_key"]),
                    "s3", "us-east-1").add_auth(req)
        headers = {k: (v if isinstance(v, str) else v.decode())
                   for k, v in req.headers.items()}
        return self.call(method, path, body, headers=headers,
                         listener=listener, key=False)


# --- the cases ----------------------------------------------------------------

def error_of(body):
    err = ((body.get("detail") or {}).get("error") or {})
    return err.get("code", ""), err.get("message", "")


def run_download_forms(d, traps):
    """Every form of a private address as a Task API download."""
    A = "http://" + ALLOWED
    forms = [
        ("decimal", "http://2130706433/file/1000"),
        ("octal", "http://0177.0.0.1/file/1000"),
        ("hex", "http://0x7f.0.0.1/file/1000"),
        ("hex, one number", "http://0x7f000001/file/1000"),
        ("short 127.1", "http://127.1/file/1000"),
        ("short 0", "http://0/file/1000"),
        ("0.0.0.0", "http://0.0.0.0/file/1000"),
        ("trailing dot", "http://127.0.0.1./file/1000"),
        ("trailing dot, name", "http://loop.test./file/1000"),
        ("percent-encoded host", "http://%31%32%37.0.0.1/file/1000"),
        ("[::1]", "http://[::1]/file/1000"),
        ("[::]", "http://[::]/file/1000"),
        ("[::ffff:127.0.0.1]", "http://[::ffff:127.0.0.1]/file/1000"),
        ("[::ffff:7f00:1]", "http://[::ffff:7f00:1]/file/1000"),
        ("[::ffff:10.77.0.2]", "http://[::ffff:10.77.0.2]/file/1000"),
        ("[64:ff9b::7f00:1] NAT64", "http://[64:ff9b::7f00:1]/file/1000"),
        ("[::127.0.0.1] v4-compatible", "http://[::127.0.0.1]/file/1000"),
        ("[64:ff9b:1::a4d:2] local NAT64",
         "http://[64:ff9b:1::a4d:2]/file/1000"),
        ("[fec0::1] site-local", "http://[fec0::1]/file/1000"),
        ("[fe80::1%25lo] zoned", "http://[fe80::1%25lo]/file/1000"),
        ("[fc00::1]", "http://[fc00::1]/file/1000"),
        ("[ff02::1] multicast", "http://[ff02::1]/file/1000"),
        ("100.64.0.1 CGNAT", "http://100.64.0.1/file/1000"),
        ("169.254.169.254 metadata",
         "http://169.254.169.254/latest/meta-data/"),
        ("224.0.0.1 multicast", "http://224.0.0.1/file/1000"),
        ("10.77.0.2 private, not allowed", "http://10.77.0.2/file/1000"),
        ("127.0.0.1:8080", "http://127.0.0.1:8080/file/1000"),
        ("userinfo a@127.0.0.1", "http://a@127.0.0.1/file/1000"),
        ("userinfo 10.77.0.1@127.0.0.1",
         "http://10.77.0.1@127.0.0.1/file/1000"),
        ("userinfo 10.77.0.1:80@127.0.0.1",
         "http://10.77.0.1:80@127.0.0.1/file/1000"),
        ("fragment 127.0.0.1#@10.77.0.1", "http://127.0.0.1#@10.77.0.1/"),
        ("backslash 10.77.0.1\\@127.0.0.1",
         "http://10.77.0.1\\@127.0.0.1/file/1000"),
        ("fullwidth digits (IDN)", "http://\uff11\uff12\uff17.0.0.1/file/1000"),
        ("localhost", "http://localhost/file/1000"),
        ("name -> 127.0.0.1", "http://loop.test/file/1000"),
        ("name -> ::1", "http://loop6.test/file/1000"),
        ("name -> 169.254.169.254", "http://meta.test/latest/meta-data/"),
        ("name -> 10.77.0.2", "http://other.test/file/1000"),
        ("name -> 0.0.0.0", "http://zero.test/file/1000"),
        ("name -> ::ffff:127.0.0.1", "http://mapped.test/file/1000"),
        ("redirect -> 127.0.0.1",
         A + "/to?url=http://127.0.0.1/file/1000"),
        ("redirect -> [::1]", A + "/to?url=http://[::1]/file/1000"),
        ("redirect -> decimal", A + "/to?url=http://2130706433/file/1000"),
        ("redirect -> name -> 127.0.0.1",
         A + "/to?url=http://loop.test/file/1000"),
        ("redirect, 2 hops -> 169.254.169.254",
         A + "/to?url=" + urllib.parse.quote(
             A + "/to?url=http://169.254.169.254/latest/meta-data/",
             safe="")),
        ("redirect -> file:///etc/passwd", A + "/to?url=file:///etc/passwd"),
        ("redirect -> ftp://127.0.0.1/", A + "/to?url=ftp://127.0.0.1/x"),
        ("redirect -> gopher://127.0.0.1/",
         A + "/to?url=gopher://127.0.0.1:80/_x"),
        ("DNS rebinding, allowed first then 127.0.0.1",
         "http://rebind.test/to?url=http://rebind.test:8080/file/1000"),
        ("DNS rebinding, 127.0.0.1 first",
         "http://rebind2.test/file/1000"),
        ("ftp://127.0.0.1/", "ftp://127.0.0.1/x.bin"),
        ("sftp://127.0.0.1/", "sftp://u:p@127.0.0.1/x.bin"),
        ("file:///etc/passwd", "file:///etc/passwd"),
    ]
    # Cases whose refusal may be another failure than blocked_address (the
    # scheme is refused, or nothing connects at all); the traps decide.
    other_failure_ok = {"redirect -> file:///etc/passwd",
                        "redirect -> ftp://127.0.0.1/",
                        "redirect -> gopher://127.0.0.1/",
                        "fragment 127.0.0.1#@10.77.0.1",
                        # curl takes it for a name, which does not resolve.
                        "trailing dot"}
    start = traps.count()
    tasks = []
    for name, url in forms:
        tid, status, body = d.create({"url": url})
        tasks.append((name, url, tid, status, body))
    for name, url, tid, status, body in tasks:
        if tid is None:
            ok = 400 <= status < 500 and body.get("status") == "error" \
                and bool(body.get("errmsg"))
            check(ok, "%s: submit answered %d %s" % (name, status, body))
            report.append((name, "refused at submit (%d: %s)"
                           % (status, body.get("errmsg"))))
            continue
        end = d.await_end(tid)
        state = (end.get("detail") or {}).get("state")
        code, msg = error_of(end)
        if name in other_failure_ok:
            check(state == "failed", "%s: %s %s" % (name, state, end))
        else:
            check(state == "failed" and code == "blocked_address",
                  "%s: ended %s %s: %s" % (name, state, code, msg))
        report.append((name, "%s %s: %s" % (state, code, msg)))
    heard = traps.since(start)
    check(not heard, "downloads reached private listeners: %s" % heard)
    report.append(("%d download forms: connections to private listeners"
                   % len(forms), str(len(heard))))


def run_allowed(d):
    """The allowed origin works: byte-exact downloads, by address, by name,
    through a redirect, and by a name with a refused address besides."""
    A = "http://" + ALLOWED
    cases = [
        ("allowed address", A + "/file/300000", 300000),
        ("allowed name", "http://origin.test/file/4096", 4096),
        ("redirect within the allowed host",
         A + "/to?url=http://origin.test/file/5000", 5000),
        ("name with ::1 and 10.77.0.1", "http://mixed.test/file/7000", 7000),
        ("segmented, 4 connections", A + "/file/2000000", 2000000),
    ]
    for name, url, size in cases:
        spec = {"url": url}
        if "segmented" in name:
            spec["connections"] = 4
        tid, status, body = d.create(spec)
        if not check(tid is not None, "%s: submit %d %s" % (name, status,
                                                             body)):
            continue
        end = d.await_end(tid, 60)
        state = (end.get("detail") or {}).get("state")
        fname = url.rsplit("/", 1)[1].split("?")[0]
        got = b""
        if state == "finished":
            status, got, _ = d.call("GET", "/download/%s/%s" % (tid, fname))
        exact = got == origin.content(0, size)
        check(state == "finished" and exact,
              "%s: %s, %d bytes, exact %s: %s" % (name, state, len(got),
                                                   exact, error_of(end)))
        report.append((name, "%s, %d bytes, byte-exact %s"
                       % (state, len(got), exact)))


def run_mirrors(d, traps):
    """Private mirrors beside an allowed source (a segmented download):
    the private ones are never reached, the allowed one finishes it."""
    start = traps.count()
    size = 1500000
    spec = {"url": "http://%s/file/%d" % (ALLOWED, size),
            "urls": ["http://127.0.0.1/file/%d" % size,
                     "http://loop.test/file/%d" % size,
                     "http://[::1]/file/%d" % size],
            "connections": 4}
    tid, status, body = d.create(spec)
    if tid is None:
        check(400 <= status < 500, "mirrors: %d %s" % (status, body))
        report.append(("private mirrors", "refused at submit (%d: %s)"
                       % (status, body.get("errmsg"))))
        return
    end = d.await_end(tid, 60)
    state = (end.get("detail") or {}).get("state")
    got = b""
    if state == "finished":
        got = d.call("GET", "/download/%s/%d" % (tid, size))[1]
    heard = traps.since(start)
    check(state == "finished" and got == origin.content(0, size)
          and not heard, "private mirrors: %s %d bytes, reached %s"
          % (state, len(got), heard))
    report.append(("3 private mirrors beside an allowed source",
                   "%s, byte-exact %s, %d reached" % (
                       state, got == origin.content(0, size), len(heard))))


def run_torrent_urls(d):
    A = "http://" + ALLOWED
    forms = [
        (".torrent at 127.0.0.1", "http://127.0.0.1/x.torrent"),
        (".torrent at decimal", "http://2130706433/x.torrent"),
        (".torrent at [::1]", "http://[::1]/x.torrent"),
        (".torrent at name -> 127.0.0.1", "http://loop.test/x.torrent"),
        (".torrent at 169.254.169.254", "http://169.254.169.254/x.torrent"),
        (".torrent redirected to 127.0.0.1",
         A + "/to/x.torrent?url=http://127.0.0.1/x.torrent"),
    ]
    tasks = [(n, d.create({"url": u})) for n, u in forms]
    for name, (tid, status, body) in tasks:
        if tid is None:
            check(400 <= status < 500, "%s: %d %s" % (name, status, body))
            report.append((name, "refused at submit (%d)" % status))
            continue
        end = d.await_end(tid)
        state = (end.get("detail") or {}).get("state")
        code, msg = error_of(end)
        check(state == "failed" and code == "blocked_address",
              "%s: %s %s %s" % (name, state, code, msg))
        report.append((name, "%s %s: %s" % (state, code, msg)))


def run_torrent_network(d, root, traps):
    """A .torrent from the allowed origin whose trackers, web seeds and
    peers are private, but with one allowed tracker (the last tier) and one
    allowed peer (a seeder on 10.77.0.1): it downloads byte-exact from the
    allowed peer, and no private one hears of it."""
    data_dir = os.path.join(root, "work", "seed")
    os.makedirs(os.path.join(data_dir, "pack"), exist_ok=True)
    payload = origin.content(0, 200000)
    with open(os.path.join(data_dir, "pack", "a.bin"), "wb") as f:
        f.write(payload)
    info = info_for([(["a.bin"], payload)])
    seed_torrent = os.path.join(root, "work", "seed.torrent")
    with open(seed_torrent, "wb") as f:
        f.write(bencode({"info": info}))
    seeder = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(SUPPORT, "seeder.py"), "seed",
         "--torrent", seed_torrent, "--data", data_dir, "--listen", ALLOWED],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        line = seeder.stdout.readline()
        port = json.loads(line)["port"]
        TRACKER["peers"] = compact([("127.0.0.1", 6881), (OTHER, 6881),
                                    ("169.254.169.254", 6881),
                                    ("100.64.0.1", 6881), (ALLOWED, port)])
        TRACKER["peers6"] = compact([("::1", 6881), ("fc00::1", 6881)])
        bad_trackers = [
            "http://127.0.0.1:6969/announce",
            "udp://127.0.0.1:6969/announce",
            "http://[::1]:6969/announce",
            "udp://[::1]:6969",
            "http://2130706433:6969/announce",
            "http://loop.test:6969/announce",
            "udp://loop.test:6969",
            "http://10.77.0.2:6969/announce",
            "http://169.254.169.254:6969/announce",
            "http://%s/to?url=http://127.0.0.1:6969/announce" % ALLOWED,
        ]
        meta = {"announce": bad_trackers[0],
                "announce-list": [[t] for t in bad_trackers]
                + [["http://%s/announce" % ALLOWED]],
                "url-list": ["http://127.0.0.1/ws/", "http://loop.test/ws/",
                             "http://2130706433/ws/", "http://[::1]/ws/"],
                "info": info}
        TORRENTS["/t/net.torrent"] = bencode(meta)
        before = traps.count()
        tid, status, body = d.create(
            {"url": "http://%s/t/net.torrent" % ALLOWED})
        if not check(tid is not None, "torrent: %d %s" % (status, body)):
            return
        end = d.await_end(tid, 60)
        state = (end.get("detail") or {}).get("state")
        got = b""
        if state == "finished":
            got = d.call("GET", "/download/%s/a.bin" % tid)[1]
            if got != payload:
                got = d.call("GET", "/download/%s/pack/a.bin" % tid)[1]
        check(state == "finished" and got == payload,
              "torrent from the allowed peer: %s %d bytes %s"
              % (state, len(got), error_of(end)))
        ann = [a for a in ANNOUNCES if a.get("peer_id", "").startswith("-SK")]
        check(len(ann) > 0, "the allowed tracker saw no announce")
        log = d.log_text()
        blocked = [p for p in ("127.0.0.1", OTHER, "169.254.169.254",
                               "100.64.0.1", "::1", "fc00::1")
                   if "peer %s refused by the network policy" % p in log]
        check(len(blocked) == 6, "peers refused in the log: %s" % blocked)
        heard = traps.since(before)
        trackers = [t for t in heard if t["to"].endswith(":6969")]
        seeds = [t for t in heard if "/ws/" in t["first"]]
        peers = [t for t in heard if t["to"].endswith(":6881")]
        for what, got_there in (("trackers", trackers), ("web seeds", seeds),
                                ("peers", peers)):
            check(not got_there, "private %s reached: %s" % (what,
                                                             got_there))
        report.append(("torrent: allowed tracker and peer", "%s, %d bytes, "
                       "byte-exact %s; allowed tracker announces %d"
                       % (state, len(got), got == payload, len(ann))))
        report.append(("torrent: %d private trackers (http, udp, v6, names, "
                       "decimal, redirect)" % len(bad_trackers),
                       "%d reached" % len(trackers)))
        report.append(("torrent: 4 private web seeds",
                       "%d reached" % len(seeds)))
        report.append(("torrent: 6 private peers from the tracker",
                       "%d reached; refused by the network policy: %s"
                       % (len(peers), blocked)))
        # A magnet with private peers only (x.pe): refused, nothing sent.
        # An allowed peer last: its connection shows the list was used.
        allowed_peer = socket.socket()
        allowed_peer.bind((ALLOWED, 6881))
        allowed_peer.listen(8)
        allowed_peer.settimeout(15)
        magnet = ("magnet:?xt=urn:btih:%s&x.pe=127.0.0.1:6881"
                  "&x.pe=[::1]:6881&x.pe=169.254.169.254:6881"
                  "&tr=http%%3A%%2F%%2F127.0.0.1%%3A6969%%2Fannounce"
                  "&x.pe=%s:6881" % ("ab" * 20, ALLOWED))
        before = traps.count()
        tid, status, body = d.create({"url": magnet})
        if check(tid is not None, "magnet: %d %s" % (status, body)):
            try:
                c, _ = allowed_peer.accept()
                c.close()
                used = True
            except OSError:
                used = False
            allowed_peer.close()
            check(used, "the magnet's allowed peer saw no connection")
            heard = traps.since(before)
            check(not heard, "a magnet's private peers or tracker reached: "
                  "%s" % heard)
            report.append(("magnet with private x.pe peers and tracker",
                           "%d reached" % len(heard)))
    finally:
        seeder.stdin.close()
        seeder.wait(10)


def run_callbacks(d):
    A = "http://" + ALLOWED
    targets = [
        ("callback to 127.0.0.1", "http://127.0.0.1/cb"),
        ("callback to decimal", "http://2130706433/cb"),
        ("callback to [::1]", "http://[::1]/cb"),
        ("callback to [::ffff:127.0.0.1]", "http://[::ffff:127.0.0.1]/cb"),
        ("callback to name -> 127.0.0.1", "http://loop.test/cb"),
        ("callback to 169.254.169.254", "http://169.254.169.254/cb"),
        ("callback to 10.77.0.2", "http://10.77.0.2:8080/cb"),
        ("callback to userinfo 10.77.0.1@127.0.0.1",
         "http://10.77.0.1@127.0.0.1/cb"),
        ("callback redirected to 127.0.0.1",
         A + "/to?url=http://127.0.0.1/cb"),
    ]
    tasks = []
    for name, url in targets:
        tid, status, body = d.create({"url": A + "/file/1000",
                                      "success_callback_url": url})
        tasks.append((name, url, tid, status, body))
    good, _, _ = d.create({"url": A + "/file/1000",
                           "success_callback_url": A + "/cb?good=1"})
    for name, url, tid, status, body in tasks:
        if tid is None:
            check(400 <= status < 500, "%s: %d %s" % (name, status, body))
            report.append((name, "refused at submit (%d)" % status))
            continue
        end = d.await_end(tid)
        check((end.get("detail") or {}).get("state") == "finished",
              "%s: the download itself: %s" % (name, end))
        attempts = []

        def attempted():
            nonlocal attempts
            cbs = d.json("GET", "/task/tid/%s/callbacks" % tid)[1]
            cbs = ((cbs or {}).get("detail") or {}).get("callbacks") or \
                (cbs or {}).get("callbacks") or []
            attempts = [a for cb in cbs for a in cb.get("attempts", [])]
            return len(attempts) > 0
        wait_for(attempted, 15)
        errs = [a.get("error", "") for a in attempts]
        if "redirected" in name:
            ok = attempts and all(a.get("http_status") == 302 for a in
                                  attempts)
        else:
            ok = attempts and all("refused to connect" in e for e in errs)
        check(ok, "%s: attempts %s" % (name, attempts))
        report.append((name, "not delivered: %s"
                       % (errs[0] if errs and errs[0] else attempts[:1])))
    if good:
        d.await_end(good)
        ok = wait_for(lambda: any(p[0] == "/cb?good=1" for p in POSTS), 15)
        check(ok, "the callback to the allowed host never came")
        report.append(("callback to the allowed host", "delivered %s"
                       % bool(ok)))


def run_offline_api(d):
    """The Offline API applies the same policy and key rule."""
    A = "http://" + ALLOWED
    cb = {"SuccessCallbackUrl": A + "/cb?offline=ok",
          "FailureCallbackUrl": A + "/cb?offline=fail"}
    bucket = "offline-ssrf"
    body = dict(cb, Url="http://2130706433/file/1000")
    status, data, headers = d.signed("offline", "PUT", "/" + bucket,
                                     json.dumps(body).encode(),
                                     "application/json")
    tid = headers.get("x-amz-s2-offline-task-id")
    if check(status == 200 and tid, "offline submit: %d %s" % (status,
                                                               data)):
        def failed():
            st, data, _ = d.signed("offline", "GET",
                                   "/%s/%s" % (bucket, tid))
            return data if b"TASK_FAILED" in data else None
        got = wait_for(failed, 20)
        check(got, "offline task at 2130706433 did not fail: %s" % got)

        def told():
            with EXTRA_LOCK:
                return [p for p in POSTS if p[0] == "/cb?offline=fail"]
        posts = wait_for(told, 20)
        body = posts[0][2] if posts else b""
        check(b"blocked_address" in body or b"refused to connect" in body,
              "offline failure callback: %s" % body)
        report.append(("Offline API: Url http://2130706433/",
                       "%s; failure callback: %s" % (
                           (got or b"").decode("latin-1"),
                           body[:200].decode("latin-1"))))
    keys = ["../x", "a/../../x", "/etc/passwd", "a\\..\\x", "a\u0000b",
            "./x", "a//b"]
    for k in keys:
        body = dict(cb, Url=A + "/file/1000", Key=k)
        status, data, _ = d.signed("offline", "PUT", "/" + bucket,
                                   json.dumps(body).encode(),
                                   "application/json")
        check(status == 400 and b"<Code>" in data,
              "offline key %r: %d %s" % (k, status, data))
        report.append(("Offline API Key %r" % k, "%d %s" % (
            status, data[data.find(b"<Code>"):data.find(b"</Code>") + 7]
            .decode("latin-1"))))


def run_task_keys(d):
    A = "http://" + ALLOWED
    keys = ["../x", "a/../../x", "/etc/passwd", "..", "a/./b", "a\\b",
            "..\\x", "a\u0000b", "a//b", "../../../sentinel/evil"]
    for k in keys:
        for field in ("key", "target"):
            tid, status, body = d.create({"url": A + "/file/1000",
                                          field: k})
            check(tid is None and status == 400 and body.get("status")
                  == "error", "Task API %s %r: %d %s" % (field, k, status,
                                                         body))
            report.append(("Task API %s %r" % (field, k), "%d %s" % (
                status, body.get("errmsg"))))
    # Percent forms are not decoded in JSON: "%2e%2e/x" is a key of its
    # own, stored as such and never a path.
    tid, status, body = d.create({"url": A + "/file/1000",
                                  "key": "%2e%2e/evil"})
    if tid:
        end = d.await_end(tid)
        state = (end.get("detail") or {}).get("state")
        report.append(("Task API key '%2e%2e/evil'",
                       "accepted as a literal key, %s" % state))
    else:
        report.append(("Task API key '%2e%2e/evil'", "%d" % status))
    # A file name from the origin that would climb: only its last part.
    tid, status, body = d.create(
        {"url": A + "/file/1000?name=../../../sentinel/evil.bin"})
    if check(tid is not None, "name: %d %s" % (status, body)):
        end = d.await_end(tid)
        files = (end.get("detail") or {}).get("files") or []
        det = end.get("detail") or {}
        names = json.dumps([det.get("file_name"), det.get("title"),
                            det.get("files")])
        check("../" not in names and "sentinel" not in names,
              "a file name with ../: %s" % names)
        report.append(("Content-Disposition filename=../../../sentinel/"
                       "evil.bin", "%s, stored as %s" % (
                           (end.get("detail") or {}).get("state"),
                           [f.get("key") or f.get("name") for f in files])))
        # Download links that climb from the task's file: nothing read.
        st, data, _ = d.call("GET", "/download/%s/evil.bin" % tid)
        check(st == 200 and data == origin.content(0, 1000),
              "the download link itself: %d" % st)
        for rest in ("../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd",
                     "%2e%2e/%2e%2e/etc/passwd", "evil.bin/../../admin.json",
                     "..%5c..%5cadmin.json", "%2fetc%2fpasswd"):
            st, data, _ = d.call("GET", "/download/%s/%s" % (tid, rest))
            check(st in (400, 403, 404) and b"root:" not in data
                  and b"api_key" not in data,
                  "download link /%s: %d %s" % (rest, st, data[:100]))
            report.append(("Task API download link .../%s" % rest,
                           "%d" % st))


def run_s3(d):
    """S3 keys that climb: refused (400 InvalidArgument) before anything is
    read. The face has no object PUT (objects come from downloads): a PUT
    of any key is 501, and stores nothing."""
    bucket = "ssrf-bucket"
    st, data, _ = d.signed("s3", "PUT", "/" + bucket)
    check(st == 200, "create bucket: %d %s" % (st, data))
    # An object of the bucket, from a download; S3 serves it byte-exact.
    tid, status, body = d.create({"url": "http://%s/file/3000" % ALLOWED,
                                  "bucket": bucket, "key": "ok/s3.bin"})
    if check(tid is not None, "download into %s: %d %s" % (bucket, status,
                                                            body)):
        d.await_end(tid)
        st, data, _ = d.signed("s3", "GET", "/%s/ok/s3.bin" % bucket)
        check(st == 200 and data == origin.content(0, 3000),
              "S3 GET ok/s3.bin: %d %d bytes" % (st, len(data)))
        report.append(("S3 GET of a downloaded object", "%d, byte-exact %s"
                       % (st, data == origin.content(0, 3000))))
    paths = ["/%s/../evil" % bucket, "/%s/a/../../evil" % bucket,
             "/%s/%%2e%%2e/evil" % bucket, "/%s/%%2E%%2E%%2Fevil" % bucket,
             "/%s/a/%%2e%%2e/%%2e%%2e/evil" % bucket,
             "/%s/a%%5c..%%5cevil" % bucket, "/%s/a%%00b" % bucket,
             "/%s//etc/passwd" % bucket, "/%s/%%2Fetc%%2Fpasswd" % bucket,
             "/%s/./evil" % bucket, "/%s/ok/../ok/s3.bin" % bucket]
    for p in paths:
        for method in ("GET", "HEAD", "DELETE", "PUT"):
            st, data, _ = d.signed("s3", method, p,
                                   b"evil" if method == "PUT" else b"")
            code = data[data.find(b"<Code>") + 6:data.find(b"</Code>")]
            if method == "PUT":
                ok = st == 501 or (st == 400 and code == b"InvalidArgument")
            elif method == "HEAD":
                ok = st == 400
            else:
                ok = st == 400 and code == b"InvalidArgument"
            check(ok, "S3 %s %s: %d %s" % (method, p, st, data))
            report.append(("S3 %s %s" % (method, p), "%d %s"
                           % (st, code.decode())))
    st, data, _ = d.signed("s3", "GET", "/%s/ok/s3.bin" % bucket)
    check(st == 200, "a climbing DELETE took ok/s3.bin: %d" % st)
    st, data, _ = d.signed("s3", "GET", "/%s?list-type=2" % bucket)
    check(st == 200 and b"evil" not in data and b"passwd" not in data,
          "the bucket lists a traversal key: %s" % data)


def run_torrent_paths(d):
    """Torrents whose paths would leave their folder: refused."""
    payload = b"x" * 1000
    bad = [
        ("path [\"..\",\"evil\"]", info_for([(["..", "evil"], payload)])),
        ("path ../../../sentinel/evil",
         info_for([(["..", "..", "..", "sentinel", "evil"], payload)])),
        ("path element 'a/../../evil'",
         info_for([(["a/../../evil"], payload)])),
        ("path element '..\\evil'", info_for([(["..\\evil"], payload)])),
        ("path element '/etc/passwd'", info_for([(["/etc/passwd"], payload)])),
        ("path element '.'", info_for([([".", "evil"], payload)])),
        ("name '..'", info_for([(["evil"], payload)], name="..")),
        ("name '../evil'", info_for([(["evil"], payload)], name="../evil")),
    ]
    utf8 = info_for([(["ok"], payload)])
    utf8["files"][0]["path.utf-8"] = ["..", "evil"]
    bad.append(("path.utf-8 [\"..\",\"evil\"]", utf8))
    single = {"name": "../evil", "piece length": PIECE, "length": 1000,
              "pieces": hashlib.sha1(payload).digest()}
    bad.append(("single-file name '../evil'", single))
    for name, info in bad:
        raw = bencode({"info": info})
        # Uploaded with the task, and as a .torrent URL.
        tid, status, body = d.create(
            {"torrent": base64.b64encode(raw).decode()})
        outcome = []
        if tid is None:
            check(400 <= status < 500, "%s upload: %d %s" % (name, status,
                                                             body))
            outcome.append("upload refused at submit (%d)" % status)
        else:
            end = d.await_end(tid)
            state = (end.get("detail") or {}).get("state")
            code, msg = error_of(end)
            check(state == "failed", "%s upload: %s %s" % (name, state, msg))
            outcome.append("upload %s: %s" % (state, msg))
        path = "/t/p%d.torrent" % len(TORRENTS)
        TORRENTS[path] = raw
        tid, status, body = d.create({"url": "http://" + ALLOWED + path})
        if tid is None:
            check(400 <= status < 500, "%s url: %d" % (name, status))
            outcome.append("url refused at submit (%d)" % status)
        else:
            end = d.await_end(tid)
            state = (end.get("detail") or {}).get("state")
            code, msg = error_of(end)
            check(state == "failed", "%s url: %s %s" % (name, state, msg))
            outcome.append("url %s" % state)
        report.append(("torrent " + name, "; ".join(outcome)))


def run_offcloud(d, traps):
    """The Offcloud face's requests take the same way out."""
    start = traps.count()
    forms = [("Offcloud cloud http://2130706433/", "http://2130706433/x.bin"),
             ("Offcloud cloud http://[::ffff:127.0.0.1]/",
              "http://[::ffff:127.0.0.1]/x.bin"),
             ("Offcloud cloud name -> 169.254.169.254",
              "http://meta.test/latest/meta-data/"),
             ("Offcloud cloud redirect -> 127.0.0.1",
              "http://%s/to?url=http://127.0.0.1/x.bin" % ALLOWED)]
    rids = []
    for name, url in forms:
        st, body = d.form("/api/cloud", {"url": url})
        rids.append((name, st, body))
    for name, st, body in rids:
        rid = body.get("requestId") if isinstance(body, dict) else None
        if rid is None:
            check(400 <= st < 500 and "error" in body,
                  "%s: %d %s" % (name, st, body))
            report.append((name, "refused at submit (%d)" % st))
            continue
        last = {}

        def ended():
            nonlocal last
            last = (d.form("/api/cloud/status", {"requestId": rid})[1]
                    .get("status") or {})
            return last.get("status") in ("downloaded", "error")
        wait_for(ended, 20)
        check(last.get("status") == "error"
              and "refused to connect" in last.get("errorMessage", ""),
              "%s: %s" % (name, last))
        report.append((name, "%s: %s" % (last.get("status"),
                                         last.get("errorMessage"))))
    heard = traps.since(start)
    check(not heard, "Offcloud requests reached: %s" % heard)


def run_archives(d):
    """The Offcloud face explores archives: one whose names climb is
    refused, and an entry link that climbs finds nothing."""
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../../../sentinel/evil.txt", "out")
        z.writestr("ok.txt", "in")
    FILES["/blob/evil.zip"] = buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("/abs/evil.txt", "out")
    FILES["/blob/abs.zip"] = buf.getvalue()
    for name in ("evil.zip", "abs.zip"):
        st, body = d.form("/api/cloud",
                          {"url": "http://%s/blob/%s" % (ALLOWED, name)})
        rid = body.get("requestId") if isinstance(body, dict) else None
        if not check(rid, "cloud %s: %d %s" % (name, st, body)):
            continue

        def done():
            s = d.form("/api/cloud/status", {"requestId": rid})[1]
            return (s.get("status") or {}).get("status") in (
                "downloaded", "error")
        wait_for(done, 20)
        st, body = d.json("GET", "/api/cloud/explore/%s?key=%s"
                          % (rid, d.key))
        check(isinstance(body, dict) and body.get("error") == "Bad archive",
              "explore %s: %d %s" % (name, st, body))
        st2, data, _ = d.call("GET", "/cloud/download/%s/0/../../../"
                              "sentinel/evil.txt?key=%s" % (rid, d.key))
        check(st2 in (400, 403, 404), "entry link: %d %s" % (st2, data))
        report.append(("Offcloud explore of zip with %s"
                       % ("../../../sentinel/evil.txt" if name == "evil.zip"
                          else "/abs/evil.txt"),
                       "%d %s; climbing entry link %d" % (st, body, st2)))


def run_remote(d):
    """Remote accounts: private hosts refused at connect (their push fails,
    for good), folders that climb refused; WebDAV on the allowed host works
    and gets exactly the folder asked for."""
    A = "http://" + ALLOWED
    accounts = [
        ("webdav http://127.0.0.1", {"type": "webdav",
                                     "host": "http://127.0.0.1"}),
        ("webdav http://2130706433", {"type": "webdav",
                                      "host": "http://2130706433"}),
        ("webdav http://[::1]", {"type": "webdav", "host": "http://[::1]"}),
        ("webdav http://loop.test", {"type": "webdav",
                                     "host": "http://loop.test"}),
        ("webdav http://169.254.169.254",
         {"type": "webdav", "host": "http://169.254.169.254"}),
        ("s3 http://127.0.0.1:9000", {"type": "s3",
                                      "host": "http://127.0.0.1",
                                      "port": "9000", "username": "AK",
                                      "password": "SK", "bucket": "bkt"}),
        ("ftp 127.0.0.1", {"type": "ftp", "host": "127.0.0.1"}),
        ("sftp 127.0.0.1", {"type": "sftp", "host": "127.0.0.1",
                            "username": "u", "password": "p"}),
        ("ftp 10.77.0.2", {"type": "ftp", "host": OTHER}),
    ]
    pending = []
    for name, acc in accounts:
        st, body = d.form("/api/remote/accounts/add", acc)
        aid = body.get("accountId") if isinstance(body, dict) else None
        if aid is None:
            check(400 <= st < 500, "%s: add %d %s" % (name, st, body))
            report.append(("remote account " + name,
                           "refused at add (%d)" % st))
            continue
        st, body = d.form("/api/remote", {"url": A + "/file/1000",
                                          "remoteOptionId": aid,
                                          "folderId": "in"})
        rid = body.get("requestId") if isinstance(body, dict) else None
        if check(rid, "%s: remote %d %s" % (name, st, body)):
            pending.append((name, rid))
    for name, rid in pending:
        last = {}

        def refused():
            nonlocal last
            last = d.form("/api/remote/status", {"requestId": rid})[1]
            push = ((last.get("status") or {}).get("push") or [{}])[0]
            return (last.get("status") or {}).get("status") in (
                "downloaded", "error") or "refused" in push.get("error", "")
        wait_for(refused, 30)
        push = ((last.get("status") or {}).get("push") or [{}])[0]
        # Refused at connect; the push fails for good, whatever the type.
        check((last.get("status") or {}).get("status") == "error"
              and push.get("state") == "failed"
              and "refused to connect" in push.get("error", ""),
              "%s: %s" % (name, last))
        report.append(("remote account " + name, "push %s: %s"
                       % (push.get("state"), push.get("error"))))
    # The allowed host: WebDAV there gets the file, under the folder asked.
    st, body = d.form("/api/remote/accounts/add",
                      {"type": "webdav", "host": A, "path": "/dav"})
    aid = body.get("accountId")
    check(aid, "webdav on the allowed host: %d %s" % (st, body))
    for folder in ["../x", "a/../../x", "..", "a/..", "x/../../../sentinel"]:
        st, body = d.form("/api/remote", {"url": A + "/file/1000",
                                          "remoteOptionId": aid,
                                          "folderId": folder})
        check(st == 400 and "error" in body,
              "folder %r: %d %s" % (folder, st, body))
        report.append(("remote folder %r" % folder, "%d %s" % (st, body)))
    for path in ["../x", "a/../../x", "/dav/.."]:
        st, body = d.form("/api/remote/accounts/add",
                          {"type": "webdav", "host": A, "path": path})
        check(st == 400 and "error" in body,
              "account path %r: %d %s" % (path, st, body))
        report.append(("remote account path %r" % path, "%d %s"
                       % (st, body)))
    # Accepted, but as names, never as steps up: each reaches the server
    # percent-encoded inside /dav/.
    odd = ["%2e%2e/x", "..\\x", "...", "good/folder"]
    rids = []
    for folder in odd:
        st, body = d.form("/api/remote", {
            "url": A + "/file/1000?name=../../evil.bin",
            "remoteOptionId": aid, "folderId": folder})
        rids.append((folder, st, body.get("requestId")))
    for folder, st, rid in rids:
        if rid is None:
            report.append(("remote folder %r" % folder, "refused (%d)" % st))
            continue
        last = {}

        def ended():
            nonlocal last
            last = d.form("/api/remote/status", {"requestId": rid})[1]
            return (last.get("status") or {}).get("status") in (
                "downloaded", "error")
        wait_for(ended, 30)
        push = ((last.get("status") or {}).get("push") or [{}])[0]
        report.append(("remote folder %r (file name ../../evil.bin)"
                       % folder, "%s, pushed to %s" % (
                           (last.get("status") or {}).get("status"),
                           push.get("path"))))
    with EXTRA_LOCK:
        puts = [p for m, p in DAV_LOG if m == "PUT"]
        made = list(DAV_LOG)
    for p in puts:
        norm = os.path.normpath(urllib.parse.unquote(p))
        check(p.startswith("/dav/") and "/../" not in p and
              norm.startswith("/dav/") and norm == urllib.parse.unquote(p),
              "a WebDAV request left /dav/: %s" % p)
    good = [p for p in puts if p == "/dav/good/folder/evil.bin"]
    check(good and DAV.get(good[0]) == origin.content(0, 1000),
          "the WebDAV push on the allowed host: %s" % made)
    report.append(("WebDAV on the allowed host", "requests %s" % made))


def run_dht(root, traps):
    """With the DHT on (the default), a .torrent's `nodes` are DHT contacts
    the torrent's author chose: private ones must get no packet. An allowed
    node (last in the list) shows that the list was used."""
    heard = []
    heard2 = []
    nodes = []
    for port, log in ((6881, heard), (6882, heard2)):
        node = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        node.bind((ALLOWED, port))
        nodes.append(node)

        def listen(node=node, log=log):
            while True:
                try:
                    log.append(node.recvfrom(4096)[0])
                except OSError:
                    return
        threading.Thread(target=listen, daemon=True).start()
    d = Daemon(root, ["--bt-dht=true"], name="data-dht")
    try:
        before = traps.count()
        payload = b"dht" * 1000
        info = info_for([(["d.bin"], payload)])
        meta = {"info": info,
                "nodes": [["127.0.0.1", 6881], ["::1", 6881],
                          ["loop.test", 6881], [OTHER, 6881],
                          ["169.254.169.254", 6881], [ALLOWED, 6881]]}
        tid, status, body = d.create(
            {"torrent": base64.b64encode(bencode(meta)).decode()})
        check(tid is not None, "dht torrent: %d %s" % (status, body))
        got = wait_for(lambda: heard, 15)
        leaks = [t for t in traps.since(before) if t["proto"] == "udp"]
        check(got, "the allowed DHT node heard nothing")
        check(not leaks, "DHT packets to private nodes: %s" % leaks)
        report.append(("torrent 'nodes' (DHT) at 127.0.0.1, ::1, a name, "
                       "10.77.0.2, 169.254.169.254",
                       "%d packets to private nodes; the allowed node heard "
                       "%d" % (len(leaks), len(heard))))
        # A magnet link's `dht=` contacts, in a daemon of their own (the
        # first one's DHT knows the contacts above by now): the same.
        d.stop()
        d = Daemon(root, ["--bt-dht=true"], name="data-dht2")
        before = traps.count()
        # libtorrent reads `dht=` undecoded: host:port as it stands.
        magnet = ("magnet:?xt=urn:btih:%s&dht=127.0.0.1:6881"
                  "&dht=169.254.169.254:6881&dht=loop.test:6881"
                  "&dht=%s:6882" % ("cd" * 20, ALLOWED))
        tid, status, body = d.create({"url": magnet})
        check(tid is not None, "dht magnet: %d %s" % (status, body))
        got = wait_for(lambda: heard2, 15)
        leaks = [t for t in traps.since(before) if t["proto"] == "udp"]
        check(got, "the allowed DHT node of the magnet heard nothing")
        check(not leaks, "DHT packets to a magnet's private nodes: %s"
              % leaks)
        report.append(("magnet dht= at 127.0.0.1, 169.254.169.254, a name",
                       "%d packets to private nodes; the allowed node heard "
                       "%d" % (len(leaks), len(heard2))))
    finally:
        d.stop()
        for node in nodes:
            node.close()


def everything_outside(root):
    """Files and folders beside the data dir that the test did not make."""
    out = []
    for entry in os.listdir(root):
        if entry not in ("data", "data-dht", "data-dht2", "sentinel",
                         "work", "resolv.conf"):
            out.append(entry)
    for dirpath, dirs, files in os.walk(os.path.join(root, "sentinel")):
        out += [os.path.join(dirpath, x) for x in dirs + files]
    for dirpath, dirs, files in os.walk(root):
        out += [os.path.join(dirpath, x) for x in dirs + files
                if "evil" in x]
    for top in ("/tmp", "/", "/etc"):
        out += [os.path.join(top, x) for x in os.listdir(top)
                if x.startswith("evil")]
    return out


def main():
    t0 = time.monotonic()
    root = tempfile.mkdtemp(prefix="skyhaul-ssrf-")
    os.makedirs(os.path.join(root, "sentinel"))
    os.makedirs(os.path.join(root, "work"))
    d = None
    srv = None
    try:
        set_up_network(root)
        table = {
            "origin.test": {"A": [ALLOWED]},
            "loop.test": {"A": ["127.0.0.1"]},
            "loop6.test": {"AAAA": ["::1"]},
            "meta.test": {"A": ["169.254.169.254"]},
            "other.test": {"A": [OTHER]},
            "zero.test": {"A": ["0.0.0.0"]},
            "mapped.test": {"AAAA": ["::ffff:127.0.0.1"]},
            "mixed.test": {"A": [ALLOWED], "AAAA": ["::1"]},
            # Allowed at the first look, loopback at every later one.
            "rebind.test": lambda kind, n: (
                [ALLOWED if n == 0 else "127.0.0.1"] if kind == "A" else []),
            # Loopback first, allowed later.
            "rebind2.test": lambda kind, n: (
                ["127.0.0.1" if n == 0 else ALLOWED] if kind == "A" else []),
        }
        dns = Dns(table)
        traps = Traps()
        srv = ThreadingHTTPServer((ALLOWED, 80), Allowed)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        d = Daemon(root)
        parts = [
            ("allowed", lambda: run_allowed(d)),
            ("forms", lambda: run_download_forms(d, traps)),
            ("mirrors", lambda: run_mirrors(d, traps)),
            ("torrent_urls", lambda: run_torrent_urls(d)),
            ("callbacks", lambda: run_callbacks(d)),
            ("offline", lambda: run_offline_api(d)),
            ("keys", lambda: run_task_keys(d)),
            ("s3", lambda: run_s3(d)),
            ("torrent_paths", lambda: run_torrent_paths(d)),
            ("offcloud", lambda: run_offcloud(d, traps)),
            ("archives", lambda: run_archives(d)),
            ("remote", lambda: run_remote(d)),
            ("torrent_network", lambda: run_torrent_network(d, root, traps)),
            ("dht", lambda: run_dht(root, traps)),
        ]
        for name, part in parts:
            if ONLY is None or name in ONLY:
                part()
        if ONLY is None or "forms" in ONLY:
            # The DNS rebinding case really was answered both ways.
            answers = [a for n, k, a in dns.log
                       if n == "rebind.test" and k == "A"]
            check(len(answers) >= 2 and answers[0] == [ALLOWED]
                  and ["127.0.0.1"] in answers,
                  "rebind.test answers: %s" % answers)
            report.append(("DNS rebinding answers served", str(answers)))
        # The proof: nothing reached a trap, ever.
        leaks = traps.since(0)
        check(not leaks, "%d connections reached private listeners: %s"
              % (len(leaks), leaks[:10]))
        report.append(("connections that reached private listeners",
                       str(len(leaks))))
        d.stop()
        outside = everything_outside(root)
        check(not outside, "created outside the data dir: %s" % outside)
        report.append(("files created beside the data dir", str(outside)))
    finally:
        if d:
            d.stop()
        if srv:
            srv.shutdown()
        if failures and d:
            print("--- skyhauld log (tail) ---")
            print(d.log_text()[-6000:])
        shutil.rmtree(root, ignore_errors=True)
    width = max(len(n) for n, _ in report) if report else 0
    for name, outcome in report:
        print("%-*s  %s" % (width, name, outcome))
    print("%d checks failed; %.1f s" % (len(failures), time.monotonic() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
