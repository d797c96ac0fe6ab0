#!/usr/bin/python3
"""An HTTPS proxy for the proxy tests: TLS on a free loopback port (the
certificate and key given), then HTTP/1.1 proxying inside it: CONNECT
opens a tunnel, an absolute-form GET is forwarded to its origin. Prints
"port N" once it listens and one line per request ("CONNECT host:port",
"GET http://..."), so a test can read where each request went."""

import argparse
import socket
import ssl
import sys
import threading
from urllib.parse import urlsplit


def log(line):
    print(line, flush=True)


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def read_head(conn):
    head = b""
    while b"\r\n\r\n" not in head:
        data = conn.recv(4096)
        if not data:
            return None, b""
        head += data
        if len(head) > 65536:
            return None, b""
    end = head.index(b"\r\n\r\n") + 4
    return head[:end].decode("latin-1"), head[end:]


def serve(conn):
    try:
        head, rest = read_head(conn)
        if head is None:
            return
        lines = head.split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        log("%s %s" % (method, target))
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            up = socket.create_connection((host.strip("[]"), int(port)))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            url = urlsplit(target)
            up = socket.create_connection((url.hostname, url.port or 80))
            path = url.path or "/"
            if url.query:
                path += "?" + url.query
            kept = [h for h in lines[1:] if h and not h.lower().startswith(
                ("proxy-", "connection:"))]
            out = "\r\n".join(["%s %s %s" % (method, path, version)] + kept
                              + ["Connection: close", "", ""])
            up.sendall(out.encode("latin-1") + rest)
            rest = b""
        if rest:
            up.sendall(rest)
        t = threading.Thread(target=pipe, args=(up, conn), daemon=True)
        t.start()
        pipe(conn, up)
        t.join()
    except (OSError, ValueError, ssl.SSLError) as e:
        log("error %r" % e)
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((a.host, 0))
    lsock.listen(64)
    log("port %d" % lsock.getsockname()[1])
    while True:
        raw, _ = lsock.accept()
        def handshake(raw=raw):
            try:
                conn = ctx.wrap_socket(raw, server_side=True)
            except (OSError, ssl.SSLError) as e:
                log("handshake failed %r" % e)
                raw.close()
                return
            serve(conn)
        threading.Thread(target=handshake, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
