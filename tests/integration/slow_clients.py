#!/usr/bin/env python3
"""Idle, slow and oversized clients do not starve the others.

Starts the real skyhauld with short deadlines (idle 2 s) and, against its
api listener, opens:
  - 2,000 connections that never send a byte;
  - 50 slowloris clients, each trickling a request header one byte every
    200 ms (the whole header would take about a minute);
  - 20 clients sending a 64 KiB header (four times the limit).
While they hold on, a normal client's GET /healthz and authenticated
GET /task/list calls must all answer (each within a bound far above a
normal reply, so only starvation fails it). Then the deadlines must hold:
the oversized headers get 431 and a close, every idle and slowloris
connection is closed by the daemon within its idle deadline plus a margin
(none of the slowloris headers ever completes), and the daemon answers on
as before.

usage: slow_clients.py SKYHAULD
"""
import json
import os
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SKYHAULD = sys.argv[1]
IDLE = 2000
REQUEST = 4000
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def wait_for(pred, what, limit=20.0):
    deadline = time.monotonic() + limit
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    return s


def read_all(s):
    """What `s` receives until the peer closes (what came before a reset)."""
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def call(port, target, key=None, limit=10.0):
    """One request on a fresh connection; (status, seconds)."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=limit)
    auth = "Authorization: Bearer %s\r\n" % key if key else ""
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n"
               % (target, auth)).encode())
    data = read_all(s)
    s.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return status, time.monotonic() - t0


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2300
    if hard != resource.RLIM_INFINITY and hard < need:
        print("SKIP: the hard descriptor limit %d is below %d" % (hard, need))
        return 0
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))

    data = tempfile.mkdtemp(prefix="skyhaul-slow-")
    proc = subprocess.Popen(
        [SKYHAULD, "--data-dir", data, "--api", "127.0.0.1:0",
         "--offline", "127.0.0.1:0", "--s3", "127.0.0.1:0",
         "--idle-timeout-ms=%d" % IDLE, "--request-timeout-ms=%d" % REQUEST],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        listen = os.path.join(data, "listen.json")
        wait_for(lambda: os.path.exists(listen) and os.path.getsize(listen) > 0,
                 "listen.json")
        port = int(json.load(open(listen))["api"].rsplit(":", 1)[1])
        key = json.load(open(os.path.join(data, "admin.json")))["api_key"]
        check(call(port, "/healthz")[0] == 200, "healthz before the load")

        sel = selectors.DefaultSelector()
        idle = [connect(port) for _ in range(2000)]
        slow = [connect(port) for _ in range(50)]
        header = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 300 \
            + b"\r\n\r\n"
        big = [connect(port) for _ in range(20)]
        opened = time.monotonic()
        for s in big:
            s.setblocking(True)
            s.settimeout(10)
            try:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "
                          + b"b" * (64 << 10) + b"\r\n\r\n")
            except OSError:
                pass  # closed early, after the reply: also fine
        for s in idle + slow:
            sel.register(s, selectors.EVENT_READ)
        closed_at = {}
        slow_sent = {s: 0 for s in slow}

        # The normal client, while the others hold on (before any deadline).
        worst = 0.0
        statuses = []
        for i in range(40):
            target = "/healthz" if i % 2 == 0 else "/task/list?state=all"
            st, took = call(port, target, key if i % 2 else None)
            statuses.append(st)
            worst = max(worst, took)
            # Trickle one byte of each slowloris header.
            for s in slow:
                if s in slow_sent and slow_sent[s] < len(header):
                    try:
                        s.send(header[slow_sent[s]:slow_sent[s] + 1])
                        slow_sent[s] += 1
                    except OSError:
                        pass
        check(all(st == 200 for st in statuses),
              "every normal call answered 200 (got %s)" % sorted(set(statuses)))
        check(worst < 5.0, "the slowest normal call took %.2f s" % worst)
        print("normal calls under load: 40, slowest %.3f s" % worst, flush=True)

        # The oversized headers: 431, then closed.
        for s in big:
            reply = read_all(s)
            check(reply.startswith(b"HTTP/1.1 431"),
                  "an oversized header gets 431 (got %r)" % reply[:40])
            s.close()

        # The deadlines: every idle and slowloris connection is closed by
        # the daemon, well before a slowloris header could complete.
        last_trickle = time.monotonic()
        deadline = opened + (IDLE + REQUEST) / 1000.0 + 10
        while len(closed_at) < len(idle) + len(slow) and time.monotonic() < deadline:
            for k, _ in sel.select(timeout=0.2):
                s = k.fileobj
                try:
                    got = s.recv(4096)
                except (ConnectionResetError, OSError):
                    got = b""
                if not got:
                    closed_at[s] = time.monotonic()
                    sel.unregister(s)
            if time.monotonic() - last_trickle >= 0.2:
                last_trickle = time.monotonic()
                for s in slow:
                    if s not in closed_at and slow_sent[s] < len(header):
                        try:
                            s.send(header[slow_sent[s]:slow_sent[s] + 1])
                            slow_sent[s] += 1
                        except OSError:
                            pass
        idle_closed = sum(1 for s in idle if s in closed_at)
        slow_closed = sum(1 for s in slow if s in closed_at)
        print("closed by the daemon: %d of %d idle, %d of %d slowloris"
              % (idle_closed, len(idle), slow_closed, len(slow)), flush=True)
        check(idle_closed == len(idle), "every idle connection was closed")
        check(slow_closed == len(slow), "every slowloris connection was closed")
        check(all(slow_sent[s] < len(header) for s in slow),
              "no slowloris header was completed")
        if closed_at:
            latest = max(closed_at.values()) - opened
            print("last close %.2f s after opening (idle deadline %.1f s)"
                  % (latest, IDLE / 1000.0), flush=True)
            check(latest < (IDLE + REQUEST) / 1000.0 + 8,
                  "the last close came %.2f s after opening" % latest)
        for s in idle + slow:
            s.close()
        check(call(port, "/healthz")[0] == 200, "healthz after the load")
        check(proc.poll() is None, "skyhauld still runs")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(data, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
