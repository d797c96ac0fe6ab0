#!/usr/bin/python3
"""A second libtorrent session for Skyhaul's tests and benchmarks (loopback).

Run with Debian's /usr/bin/python3, which has python3-libtorrent.

  seeder.py make --data DIR --name NAME [--tracker URL] [--piece-size N]
                 --out FILE.torrent RELPATH:SIZE...
      Writes the files under DIR (a multi-file torrent rooted at DIR/NAME,
      or the single file DIR/NAME when one RELPATH equals NAME), with
      deterministic content, and a v1 .torrent. Prints one JSON line:
      {"info_hash", "magnet", "files": [{"path", "size", "md5", "sha1",
      "crc32"}]}, paths as libtorrent lists them.

  seeder.py retrack --torrent IN --tracker URL --out OUT
      Copies a .torrent with its announce URL replaced (same info-hash).

  seeder.py seed --torrent FILE --data DIR [--port-file P] [--listen HOST]
      Seeds on 127.0.0.1 (TCP only; no DHT, LSD, UPnP or NAT-PMP; announces
      to the torrent's tracker, if any), checks the data first, then prints
      {"port": N, "info_hash": "..."} (also written to P) and serves until
      stdin closes or SIGTERM.

  seeder.py leech --torrent FILE --data DIR [--peer 127.0.0.1:PORT]
                  [--timeout S]
      Downloads into DIR with the same settings, from PEER and/or the
      torrent's tracker, then prints {"seconds": S, "bytes": N} (the time
      from adding the torrent until every piece is written and checked).
"""
import argparse
import hashlib
import json
import os
import signal
import sys
import threading
import time
import zlib

import libtorrent as lt

CHUNK = 1 << 20


def content_chunk(seed, offset, size):
    """Bytes [offset, offset+size) of the file with seed `seed`."""
    # A repeating 251-byte pattern shifted by the seed: cheap and distinct.
    period = 251
    base = bytes(((i * 7 + seed) % 256) for i in range(period))
    start = offset % period
    reps = (start + size) // period + 2
    return (base * reps)[start:start + size]


def write_file(path, rel, size):
    seed = zlib.crc32(rel.encode()) % 251
    md5, sha1, crc = hashlib.md5(), hashlib.sha1(), 0
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        done = 0
        while done < size:
            n = min(CHUNK, size - done)
            data = content_chunk(seed, done, n)
            f.write(data)
            md5.update(data)
            sha1.update(data)
            crc = zlib.crc32(data, crc)
            done += n
    return md5.hexdigest(), sha1.hexdigest(), "%08x" % (crc & 0xffffffff)


def session_settings(host="127.0.0.1"):
    return {
        "listen_interfaces": "%s:0" % host,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "allow_multiple_connections_per_ip": True,
        # A fast loopback peer: keep more bytes in flight than the
        # defaults (tuned for the internet) do.
        "send_buffer_watermark": 8 << 20,
        "send_buffer_low_watermark": 1 << 20,
        "send_buffer_watermark_factor": 150,
        "max_queued_disk_bytes": 16 << 20,
        "alert_mask": 0,
    }


def make(args):
    specs = []
    for item in args.files:
        rel, _, size = item.rpartition(":")
        specs.append((rel, int(size)))
    single = len(specs) == 1 and specs[0][0] == args.name
    digests = {}
    for rel, size in specs:
        path = os.path.join(args.data, args.name if single else
                            os.path.join(args.name, rel))
        digests[rel] = write_file(path, rel, size)
    fs = lt.file_storage()
    lt.add_files(fs, os.path.join(args.data, args.name))
    ct = lt.create_torrent(fs, args.piece_size, flags=lt.create_torrent.v1_only)
    if args.tracker:
        ct.add_tracker(args.tracker)
    lt.set_piece_hashes(ct, args.data)
    with open(args.out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    ti = lt.torrent_info(args.out)
    ih = str(ti.info_hashes().v1)
    files = []
    storage = ti.files()
    for i in range(storage.num_files()):
        path = storage.file_path(i)
        rel = path if single else path[len(args.name) + 1:]
        md5, sha1, crc = digests[rel]
        files.append({"path": path, "size": storage.file_size(i),
                      "md5": md5, "sha1": sha1, "crc32": crc})
    magnet = "magnet:?xt=urn:btih:%s&dn=%s" % (ih, args.name)
    print(json.dumps({"info_hash": ih, "magnet": magnet, "files": files}),
          flush=True)


def retrack(args):
    with open(args.torrent, "rb") as f:
        meta = lt.bdecode(f.read())
    meta[b"announce"] = args.tracker.encode()
    meta.pop(b"announce-list", None)
    with open(args.out, "wb") as f:
        f.write(lt.bencode(meta))


def seed(args):
    ses = lt.session(session_settings(args.listen))
    ti = lt.torrent_info(args.torrent)
    params = lt.add_torrent_params()
    params.ti = ti
    params.save_path = args.data
    handle = ses.add_torrent(params)
    deadline = time.monotonic() + 120
    while not handle.status().is_seeding:
        if time.monotonic() > deadline:
            sys.exit("the data did not check out as complete")
        time.sleep(0.05)
    line = json.dumps({"port": ses.listen_port(),
                       "info_hash": str(ti.info_hashes().v1)})
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(line + "\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    print(line, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()),
                     daemon=True).start()
    done.wait()


def leech(args):
    ses = lt.session(session_settings())
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(args.torrent)
    params.save_path = args.data
    t0 = time.monotonic()
    handle = ses.add_torrent(params)
    if args.peer:
        host, _, port = args.peer.rpartition(":")
        handle.connect_peer((host, int(port)))
    deadline = t0 + args.timeout
    while True:
        st = handle.status()
        if st.is_seeding:
            break
        if st.errc.value() != 0 or time.monotonic() > deadline:
            sys.exit("leech: %s after %.1f s (%d bytes done)"
                     % (st.errc.message() if st.errc.value() else "timeout",
                        time.monotonic() - t0, st.total_wanted_done))
        time.sleep(0.01)
    print(json.dumps({"seconds": round(time.monotonic() - t0, 3),
                      "bytes": st.total_wanted_done}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--data", required=True)
    m.add_argument("--name", required=True)
    m.add_argument("--tracker", default="")
    m.add_argument("--piece-size", type=int, default=0)
    m.add_argument("--out", required=True)
    m.add_argument("files", nargs="+")
    r = sub.add_parser("retrack")
    r.add_argument("--torrent", required=True)
    r.add_argument("--tracker", required=True)
    r.add_argument("--out", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--torrent", required=True)
    s.add_argument("--data", required=True)
    s.add_argument("--port-file", default="")
    s.add_argument("--listen", default="127.0.0.1",
                   help="the loopback address to listen on")
    le = sub.add_parser("leech")
    le.add_argument("--torrent", required=True)
    le.add_argument("--data", required=True)
    le.add_argument("--peer", default="")
    le.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    {"make": make, "retrack": retrack, "seed": seed,
     "leech": leech}[args.cmd](args)


if __name__ == "__main__":
    main()
