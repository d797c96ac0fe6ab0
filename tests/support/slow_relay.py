#!/usr/bin/python3
"""A TCP relay for the tests that must catch an upload in the middle: it
listens on a free loopback port and passes every connection on to
TARGET_PORT on 127.0.0.1, the client's bytes at most RATE bytes per second
(in all connections together), the server's at full speed. Prints
"port N" once it listens and runs until it is killed."""

import socket
import sys
import threading
import time


class bucket:
    """A token bucket shared by every connection's client side."""

    def __init__(self, rate):
        self.rate = rate
        self.lock = threading.Lock()
        self.next_at = time.monotonic()

    def take(self, n):
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_at)
            self.next_at = start + n / self.rate
            wait = start - now
        if wait > 0:
            time.sleep(wait)


def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def pipe(src, dst, limit):
    try:
        while True:
            data = src.recv(16384 if limit else 65536)
            if not data:
                break
            if limit:
                limit.take(len(data))
            dst.sendall(data)
    except OSError:
        pass
    finally:
        close(src, dst)


def main():
    target = int(sys.argv[1])
    limit = bucket(float(sys.argv[2]))
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print("port %d" % srv.getsockname()[1], flush=True)
    while True:
        client, _ = srv.accept()
        try:
            server = socket.create_connection(("127.0.0.1", target))
        except OSError:
            client.close()
            continue
        threading.Thread(target=pipe, args=(client, server, limit),
                         daemon=True).start()
        threading.Thread(target=pipe, args=(server, client, None),
                         daemon=True).start()


if __name__ == "__main__":
    main()
