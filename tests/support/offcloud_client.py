#!/usr/bin/env python3
"""An Offcloud client written the way debrid managers write theirs.

Usage: offcloud_client.py BASE KEY SOURCE_URL   (BASE ends in /api/)

It knows nothing of Skyhaul: python requests, form bodies, the key as
`?key=`, `body.status.status` to poll, the `url` of the status opened as
it is. Prints `ok <bytes>` and exits 0 when the file came back whole;
anything else exits 1 with the reason.
"""
import sys
import time

import requests


def fail(why):
    print("FAIL: " + why)
    sys.exit(1)


def main():
    base, key, source = sys.argv[1], sys.argv[2], sys.argv[3]
    s = requests.Session()
    params = {"key": key}

    def call(path, data=None):
        r = s.post(base + path, params=params, data=data or {}, timeout=10)
        body = r.json()
        if isinstance(body, dict) and ("error" in body
                                       or body.get("status") == "error"):
            fail("%s: %s" % (path, body))
        return body

    stats = s.get(base + "account/stats", params=params, timeout=10).json()
    if "userId" not in stats or "limits" not in stats:
        fail("account/stats: %s" % stats)
    added = call("cloud", {"url": source})
    rid = added["requestId"]
    if len(rid) != 24 or added.get("status") not in ("created", "downloaded"):
        fail("cloud: %s" % added)
    deadline = time.time() + 20
    while True:
        body = call("cloud/status", {"requestId": rid})
        st = (body.get("status") or body)
        if st["status"] == "downloaded":
            break
        if st["status"] in ("error", "canceled") or time.time() > deadline:
            fail("status: %s" % body)
        time.sleep(0.05)
    history = s.get(base + "cloud/history", params=params, timeout=10).json()
    if not any(h["requestId"] == rid for h in history):
        fail("history lacks %s: %s" % (rid, history))
    cache = call("cache", {"hashes[0]": "a" * 40, "hashes[1]": "B" * 40})
    if cache.get("cachedItems") != []:
        fail("cache: %s" % cache)
    # Players open the link bare: no session, no key.
    got = requests.get(st["url"], timeout=10)
    if got.status_code != 200:
        fail("download %s: %d" % (st["url"], got.status_code))
    print("ok %d" % len(got.content))


if __name__ == "__main__":
    main()
