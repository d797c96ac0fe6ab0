#!/usr/bin/env python3
"""A scriptable callback receiver for Skyhaul's tests (loopback, stdlib only).

Prints {"port": N} on its first stdout line, then serves until stdin closes
or it is killed. Every request to any path but /_script is appended to the
JSON lines file given by --log as
  {"time_ms", "method", "path", "headers": {lower-case name: value},
   "body", "answer": 500 | "hang" | 200}
before it is answered. The script says how the next requests are answered,
in this order: `fail` times 500, then `hang` times a stall of
`hang_seconds` (longer than the caller's timeout), then 200 for good.

  receiver.py --log FILE [--fail N] [--hang N] [--hang-seconds S] [--port N]
  POST /_script {"fail": N, "hang": N, "hang_seconds": S}   replaces the script
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
SCRIPT = {"fail": 0, "hang": 0, "hang_seconds": 5.0}
LOG_PATH = None


def next_answer():
    with LOCK:
        if SCRIPT["fail"] > 0:
            SCRIPT["fail"] -= 1
            return 500
        if SCRIPT["hang"] > 0:
            SCRIPT["hang"] -= 1
            return "hang"
        return 200


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b""):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/_script":
            script = json.loads(body or b"{}")
            with LOCK:
                SCRIPT.update({"fail": int(script.get("fail", 0)),
                               "hang": int(script.get("hang", 0)),
                               "hang_seconds": float(
                                   script.get("hang_seconds", 5.0))})
            return self.reply(200, b"ok")
        answer = next_answer()
        entry = {"time_ms": int(time.time() * 1000), "method": self.command,
                 "path": self.path,
                 "headers": {k.lower(): v for k, v in self.headers.items()},
                 "body": body.decode("utf-8", "replace"), "answer": answer}
        with LOCK:
            with open(LOG_PATH, "a") as f:
                f.write(json.dumps(entry) + "\n")
        try:
            if answer == "hang":
                time.sleep(SCRIPT["hang_seconds"])
                answer = 200
            self.reply(answer, b"ok" if answer == 200 else b"try again")
        except (BrokenPipeError, ConnectionResetError):
            pass


def main():
    global LOG_PATH
    p = argparse.ArgumentParser()
    p.add_argument("--log", required=True)
    p.add_argument("--fail", type=int, default=0)
    p.add_argument("--hang", type=int, default=0)
    p.add_argument("--hang-seconds", type=float, default=5.0)
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    LOG_PATH = args.log
    SCRIPT.update({"fail": args.fail, "hang": args.hang,
                   "hang_seconds": args.hang_seconds})
    try:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    except OSError as e:
        print(json.dumps({"error": "cannot bind 127.0.0.1:%d: %s"
                          % (args.port, e)}), flush=True)
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
