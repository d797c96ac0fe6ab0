#!/usr/bin/python3
"""An FTP (or FTPS: explicit TLS, or implicit with --implicit) server for
the push and source tests, on a free loopback port: one user whose home
is ROOT. Prints "port N" once it listens. With --read-limit, uploads are
throttled to that many bytes per second, with --write-limit downloads, so
that a test can stop the daemon in the middle of one."""

import argparse
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, ThrottledDTPHandler
from pyftpdlib.servers import FTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--read-limit", type=int, default=0)
    ap.add_argument("--write-limit", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--implicit", action="store_true")
    a = ap.parse_args()

    auth = DummyAuthorizer()
    auth.add_user(a.user, a.password, a.root, perm="elradfmwMT")
    if a.cert:
        from pyftpdlib.handlers import TLS_DTPHandler, TLS_FTPHandler

        class handshaking_dtp(TLS_DTPHandler):
            # pyftpdlib closes a data connection that turns readable
            # before its transfer command; a client like curl starts TLS
            # on it at once, so the handshake must be let through.
            def readable(self):
                return self._ssl_want_read or self._ssl_accepting \
                    or self.receive

        class throttled_dtp(handshaking_dtp, ThrottledDTPHandler):
            read_limit = a.read_limit
            write_limit = a.write_limit

        class implicit_ftp(TLS_FTPHandler):
            # Implicit TLS: the handshake comes before the banner, and
            # the data connections are protected without PROT.
            def handle(self):
                self.secure_connection(self.ssl_context)
                self._pbsz = True
                self._prot = True
                super().handle()

            def flush_account(self):
                super().flush_account()
                self._pbsz = True
                self._prot = True

        handler = implicit_ftp if a.implicit else TLS_FTPHandler
        handler.dtp_handler = throttled_dtp \
            if a.read_limit or a.write_limit else handshaking_dtp
        handler.certfile = a.cert
        handler.keyfile = a.key
        # Explicit TLS only: a client that stays in clear is refused.
        handler.tls_control_required = True
        handler.tls_data_required = True
    else:
        handler = FTPHandler
    handler.authorizer = auth
    handler.passive_ports = None
    handler.masquerade_address = None
    if (a.read_limit or a.write_limit) and not a.cert:
        dtp = ThrottledDTPHandler
        dtp.read_limit = a.read_limit
        dtp.write_limit = a.write_limit
        handler.dtp_handler = dtp
    server = FTPServer((a.host, 0), handler)
    print("port", server.socket.getsockname()[1], flush=True)
    server.serve_forever(handle_exit=True)


if __name__ == "__main__":
    sys.exit(main())
