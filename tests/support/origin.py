#!/usr/bin/env python3
"""A local HTTP origin for Skyhaul's tests (loopback only, stdlib only).

Prints {"port": N} on its first stdout line, then serves until stdin closes
or it is killed. `--port N` binds that port (else any free one); when it is
taken, the first line is {"error": "..."} instead. Byte i of every file of size N is content_byte(i), so
tests can compute the expected digests without the file.

Routes:
  /file/<size>[?name=x.bin]      Range, If-Range, ETag, Last-Modified
  /norange/<size>                ignores Range, always 200
  /slow/<size>?bps=N             throttled body, supports Range
  /drop/<size>?at=K              announces <size>, closes after K bytes
                                 (requests with Range complete normally)
  /status/<code>                 answers that status
  /redirect/<n>                  n hops, then /file/1024
  /badlen/<size>                 Content-Length larger than the body
  /nolen/<size>                  no Content-Length: the body ends at close
  /flaky/<size>?fail=K           the first K requests of that URL get 500
  /changing/<size>?after=K       the first K requests get version 1 (ETag
                                 v1), later ones version 2: other bytes
                                 (content shifted by 13) and ETag v2
  /droppart/<size>?at=K[&bps=N]  the first ranged request not from byte 0
                                 closes after K bytes
  /other/<size>                  other bytes (shifted by 13), its own ETag
  /_log                          JSON list of {path, range, if_range}
  /files/<name>                  a file of the folder named by --files DIR

Lying origins (tests/integration/lying_origin.cpp):
  /longlen/<size>                Content-Length <size>, then 1000 more bytes
  /badrange/<size>               206 to every request, its Content-Range and
                                 its bytes starting 100 bytes past the range
                                 asked (the right length, the wrong place)
  /loop/<n>                      a redirect loop: /loop/a -> /loop/b -> /loop/a
  /reset/<size>?at=K             announces <size>, sends K bytes, then a TCP
                                 reset (SO_LINGER 0), also for ranges
  /endless/<n>                   a header line every 50 ms, the header block
                                 never ends (stops after n seconds)
"""
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ETAG = '"skyhaul-origin-v1"'
LAST_MODIFIED = "Mon, 02 Nov 2026 10:00:00 GMT"
PATTERN = bytes(((i * 7 + i // 251) % 256) for i in range(251 * 256))


def content(start, end):
    """Bytes [start, end) of the deterministic content."""
    out = bytearray()
    period = len(PATTERN)  # content_byte(i) repeats every 251*256 bytes
    i = start
    while i < end:
        off = i % period
        take = min(end - i, period - off)
        out += PATTERN[off:off + take]
        i += take
    return bytes(out)


LOG = []
FILES_DIR = None
LOG_LOCK = threading.Lock()
FLAKY = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.handle_any(head=True)

    def do_GET(self):
        self.handle_any(head=False)

    def send_plain(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    # --- lying origins: a block of their own (see the header) ---
    def lying_route(self, path, q, rng):
        """Serves the lying routes; False when `path` is not one of them."""
        m = re.match(r"^/(longlen|badrange|loop|reset|endless)/(\w+)$", path)
        if not m:
            return False
        kind, arg = m.group(1), m.group(2)
        if kind == "loop":
            nxt = "/loop/b" if arg == "a" else "/loop/a"
            self.send_plain(302, b"", [("Location", nxt)])
            return True
        if kind == "endless":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            stop = time.monotonic() + int(arg)
            i = 0
            try:
                while time.monotonic() < stop:
                    self.wfile.write(b"X-Endless-%d: more\r\n" % i)
                    self.wfile.flush()
                    i += 1
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return True
        size = int(arg)
        start, end = 0, size
        rm = re.match(r"^bytes=(\d+)-(\d*)$", rng or "")
        if rm and kind in ("badrange", "reset"):
            start = int(rm.group(1))
            end = min(int(rm.group(2)) + 1 if rm.group(2) else size, size)
        code = 206 if (kind == "badrange" or rm) and kind != "longlen" else 200
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("ETag", ETAG)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Connection", "close")
        if code == 206:
            shown = start + 100 if kind == "badrange" else start
            self.send_header("Content-Range", "bytes %d-%d/%d"
                             % (shown, shown + end - start - 1, size))
        self.send_header("Content-Length", str(end - start))
        self.end_headers()
        self.close_connection = True
        try:
            if kind == "longlen":
                self.wfile.write(content(0, size) + b"\xee" * 1000)
            elif kind == "badrange":
                self.wfile.write(content(start + 100, end + 100))
            else:
                at = min(end, start + int(q.get("at", ["0"])[0]))
                self.wfile.write(content(start, at))
                self.wfile.flush()
                import socket
                import struct
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
                return True
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        return True
    # --- end of lying origins ---

    def handle_any(self, head):
        url = urlparse(self.path)
        q = parse_qs(url.query)
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if url.path != "/_log":
            with LOG_LOCK:
                LOG.append({"path": self.path, "range": rng,
                            "if_range": if_range})
        fm = re.match(r"^/files/([\w.-]+)$", url.path)
        if fm and FILES_DIR and not fm.group(1).startswith("."):
            path = os.path.join(FILES_DIR, fm.group(1))
            if not os.path.isfile(path):
                return self.send_plain(404, b"no such file")
            with open(path, "rb") as f:
                body = f.read()
            return self.send_plain(200, body, [
                ("Content-Type", "application/x-bittorrent")])
        if self.lying_route(url.path, q, rng):
            return
        m = re.match(r"^/(\w+)(?:/(\d+))?$", url.path)
        if url.path == "/_log":
            with LOG_LOCK:
                body = json.dumps(LOG).encode()
            return self.send_plain(200, body,
                                   [("Content-Type", "application/json")])
        if not m:
            return self.send_plain(404, b"no such route")
        kind, num = m.group(1), int(m.group(2) or 0)
        if kind == "status":
            return self.send_plain(num, b"status %d" % num)
        if kind == "redirect":
            target = "/redirect/%d" % (num - 1) if num > 1 else "/file/1024"
            return self.send_plain(302, b"", [("Location", target)])
        if kind == "flaky":
            with LOG_LOCK:
                seen = FLAKY.get(self.path, 0)
                FLAKY[self.path] = seen + 1
            if seen < int(q.get("fail", ["1"])[0]):
                return self.send_plain(500, b"try again")
            kind = "file"
        etag = ETAG
        shift = 0
        if kind == "changing":
            with LOG_LOCK:
                seen = FLAKY.get(url.path, 0)
                FLAKY[url.path] = seen + 1
            if seen >= int(q.get("after", ["1"])[0]):
                etag, shift = '"skyhaul-origin-v2"', 13
        if kind == "other":
            etag, shift = '"skyhaul-origin-other"', 13
        dropping = False
        if kind == "droppart" and rng and not rng.startswith("bytes=0-"):
            with LOG_LOCK:
                dropping = url.path not in FLAKY
                FLAKY[url.path] = 1
        if kind not in ("file", "norange", "slow", "drop", "badlen",
                        "changing", "droppart", "other", "nolen"):
            return self.send_plain(404, b"no such route")
        size = num
        start, end, code = 0, size, 200
        honour_range = kind in ("file", "slow", "drop", "changing",
                                "droppart", "other")
        if rng and honour_range and (if_range is None or if_range in (
                etag, LAST_MODIFIED)):
            rm = re.match(r"^bytes=(\d+)-(\d*)$", rng)
            if rm:
                first = int(rm.group(1))
                last = int(rm.group(2)) if rm.group(2) else size - 1
                if first >= size:
                    return self.send_plain(
                        416, b"", [("Content-Range", "bytes */%d" % size)])
                start, end, code = first, min(last + 1, size), 206
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("ETag", etag)
        if not shift:
            self.send_header("Last-Modified", LAST_MODIFIED)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Connection", "close")
        if "name" in q:
            self.send_header("Content-Disposition",
                             'attachment; filename="%s"' % q["name"][0])
        if code == 206:
            self.send_header("Content-Range",
                             "bytes %d-%d/%d" % (start, end - 1, size))
        announced = end - start
        if kind == "badlen":
            announced += 1000
        if kind != "nolen":
            self.send_header("Content-Length", str(announced))
        self.end_headers()
        self.close_connection = True
        if head:
            return
        stop_at = end
        if (kind == "drop" and not rng) or dropping:
            stop_at = min(end, start + int(q.get("at", ["0"])[0]))
        bps = int(q.get("bps", ["0"])[0]) if kind in ("slow",
                                                      "droppart") else 0
        chunk = 64 * 1024 if not bps else max(1024, bps // 20)
        pos = start
        began = time.monotonic()
        try:
            while pos < stop_at:
                n = min(chunk, stop_at - pos)
                self.wfile.write(content(pos + shift, pos + shift + n))
                pos += n
                if bps:
                    due = began + (pos - start) / bps
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def main():
    global FILES_DIR
    args = sys.argv[1:]
    port = 0
    while len(args) >= 2 and args[0] in ("--files", "--port"):
        if args[0] == "--files":
            FILES_DIR = args[1]
        else:
            port = int(args[1])
        args = args[2:]
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError as e:
        print(json.dumps({"error": "cannot bind 127.0.0.1:%d: %s"
                          % (port, e)}), flush=True)
        return
    server.daemon_threads = True
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        sys.stdin.read()  # ends when the parent closes our stdin or dies
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
