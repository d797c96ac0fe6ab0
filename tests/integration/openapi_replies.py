#!/usr/bin/env python3
"""Real replies of the real skyhauld against docs/openapi.json.

Starts skyhauld (fresh data dir, port 0 everywhere) and the local origin
(tests/support/origin.py), drives the Task API, the Offcloud face, the
community face with its tracker and the Offline API as clients do, errors
included, and checks every reply against the document: a documented
status, the documented media type, and a JSON body the schema accepts.
Also checks the document's own structure, that GET /openapi.json serves
it, and that JSON request bodies sent here are what the document says.

usage: openapi_replies.py SKYHAULD DOC SUPPORT_DIR
"""
import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

sys.path.insert(0, sys.argv[3])
import openapi_check  # noqa: E402

SKYHAULD, DOC_PATH, SUPPORT = sys.argv[1], sys.argv[2], sys.argv[3]
DOC = openapi_check.Document(DOC_PATH)
failures = []


def wait_for(pred, what, limit=20.0):
    deadline = time.monotonic() + limit
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


class Daemon:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="skyhaul-openapi-")
        self.proc = subprocess.Popen(
            [SKYHAULD, "--data-dir", self.dir, "--api", "127.0.0.1:0",
             "--offline", "127.0.0.1:0", "--s3", "127.0.0.1:0",
             "--allow-private-networks", "--bt-listen=127.0.0.1:0",
             "--bt-dht=false", "--bt-lsd=false", "--bt-port-mapping=false"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        listen = os.path.join(self.dir, "listen.json")
        wait_for(lambda: os.path.exists(listen) and os.path.getsize(listen) > 0,
                 "listen.json")
        self.listen = json.load(open(listen))
        self.admin = json.load(open(os.path.join(self.dir, "admin.json")))

    def add_user(self, name, flags=(), stdin=""):
        out = subprocess.run([SKYHAULD, "user", "add", name, *flags,
                              "--data-dir", self.dir],
                             input=stdin.encode(), capture_output=True, check=True)
        return json.loads(out.stdout)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Origin:
    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(SUPPORT, "origin.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.port = json.loads(self.proc.stdout.readline())["port"]

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(10)


def raw(listener_addr, method, target, body=b"", headers=None):
    host, port = listener_addr.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=20)
    c.request(method, target, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def call(d, method, target, status=None, body=None, ctype=None, headers=None,
         listener="api", check_body=True):
    """One call, checked against the document; returns (status, headers, json-or-bytes)."""
    headers = dict(headers or {})
    data = b""
    if body is not None:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            ctype = ctype or "application/json"
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        if ctype:
            headers["Content-Type"] = ctype
    path = urllib.parse.urlsplit(target).path
    where = "%s %s" % (method, target)
    try:
        if check_body and data and (ctype or "").startswith("application/json"):
            DOC.check_request(listener, method, urllib.parse.unquote(path), ctype, data)
        st, hs, out = raw(d.listen[listener], method, target, data, headers)
        if status is not None and st != status:
            raise AssertionError("%s: expected %d, got %d: %r" % (where, status, st, out[:300]))
        value = DOC.check(listener, method, urllib.parse.unquote(path), st,
                          hs.get("content-type", ""), out.decode("utf-8", "replace"))
        return st, hs, value if value is not None else out
    except AssertionError as e:
        failures.append("%s\n  %s" % (where, e))
        return None, {}, None


def bearer(key):
    return {"Authorization": "Bearer " + key}


def multipart(name, filename, content, ctype="application/x-bittorrent"):
    boundary = "skyhaulopenapi0123456789"
    body = ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
            "Content-Type: %s\r\n\r\n" % (boundary, name, filename, ctype)).encode()
    body += content + ("\r\n--%s--\r\n" % boundary).encode()
    return body, "multipart/form-data; boundary=" + boundary


def bencode(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, str):
        return bencode(x.encode())
    if isinstance(x, list):
        return b"l" + b"".join(bencode(v) for v in x) + b"e"
    return b"d" + b"".join(bencode(k) + bencode(v) for k, v in sorted(x.items())) + b"e"


def small_torrent():
    piece = b"x" * 16384
    import hashlib
    info = {"name": "doc-check.bin", "length": len(piece), "piece length": 16384,
            "pieces": hashlib.sha1(piece).digest()}
    return bencode({"announce": "http://127.0.0.1:1/announce", "info": info})


def task_api(d, org):
    key = bearer(d.admin["api_key"])
    call(d, "GET", "/healthz", 200)
    _, _, created = call(d, "POST", "/task", 200,
                         {"url": org.url("/file/4096?name=doc.bin")}, headers=key)
    tid = created["tid"]

    def finished():
        st, _, v = raw(d.listen["api"], "GET", "/task/tid/%s/status" % tid, headers=key)
        j = json.loads(v) if st == 200 else {}
        return (j.get("detail") or j.get("task") or {}).get("state") == "finished"
    wait_for(finished, "the task to finish")
    call(d, "GET", "/task/tid/%s/status" % tid, 200, headers=key)
    call(d, "GET", "/task/tid/%s/status?exerpt=true" % tid, 200, headers=key)
    _, _, info = call(d, "GET", "/task/tid/%s/info" % tid, 200, headers=key)
    call(d, "GET", "/task/tid/%s/callbacks" % tid, 200, headers=key)
    call(d, "POST", "/task/tid/%s/callbacks/redeliver" % tid, 409, headers=key)
    call(d, "GET", "/task/list", 200, headers=key)
    call(d, "GET", "/task/list?state=finished&limit=5", 200, headers=key)
    call(d, "GET", "/task/list?state=bogus", 400, headers=key)
    call(d, "GET", "/task/state_counter", 200, headers=key)
    call(d, "GET", "/task/state_coutner", 200, headers=key)
    call(d, "GET", "/config", 200, headers=key)
    call(d, "PUT", "/task/tid/%s?act=bogus" % tid, 400, headers=key)
    call(d, "PUT", "/task/tid/%s?act=pause" % tid, 409, headers=key)
    call(d, "GET", "/task/tid/00000000000000000000/status", 404, headers=key)
    call(d, "GET", "/task/list", 401)
    call(d, "GET", "/task/list", 401, headers=bearer("not-a-key"))
    call(d, "POST", "/task", 400, {"url": "gopher://example.invalid/x"}, headers=key)
    call(d, "POST", "/task", 400, '{"url": 3}', ctype="application/json", headers=key,
         check_body=False)
    call(d, "POST", "/task/batch/pause", 200,
         {"tids": [tid, "00000000000000000009"]}, headers=key)
    call(d, "POST", "/task/batch/pause", 400, {"nope": 1}, headers=key, check_body=False)
    call(d, "POST", "/task/batch/create", 200,
         {"tasks": [{"url": org.url("/file/20")}, {"url": "gopher://x.test/"}]}, headers=key)
    call(d, "POST", "/task/batch/create", 400, {"tasks": []}, headers=key, check_body=False)
    paused = call(d, "POST", "/task", 200, {"url": org.url("/file/10"), "paused": True},
                  headers=key)[2]["tid"]
    call(d, "GET", "/task/tid/%s/status" % paused, 200, headers=key)
    call(d, "PUT", "/task/tid/%s?act=resume" % paused, 200, headers=key)
    if info and info.get("detail", info.get("task", {})).get("files"):
        name = info.get("detail", info.get("task"))["files"][0]["name"]
        call(d, "GET", "/download/%s/%s" % (tid, urllib.parse.quote(name)), 200, headers=key)
    call(d, "GET", "/download/%s/nothing.bin" % tid, 404, headers=key)
    call(d, "GET", "/download/%s/doc.bin" % tid, 401)
    call(d, "DELETE", "/task/tid/%s?del_file=true" % paused, 200, headers=key)
    # A torrent task's files, chosen anew: a paused upload keeps its metainfo.
    import base64
    up = call(d, "POST", "/task", 200, {"torrent": base64.b64encode(small_torrent()).decode(),
                                        "paused": True}, headers=key)[2]["tid"]
    call(d, "GET", "/task/tid/%s/status" % up, 200, headers=key)
    call(d, "PUT", "/task/tid/%s/files" % up, 200, {"files": [0]}, headers=key)
    call(d, "PUT", "/task/tid/%s/files" % up, 200, {"files": ["doc-check.bin"]}, headers=key)
    call(d, "PUT", "/task/tid/%s/files" % up, 400, {"files": ["nope.bin"]}, headers=key)
    call(d, "PUT", "/task/tid/%s/files" % up, 400, {"files": [5]}, headers=key)
    call(d, "PUT", "/task/tid/%s/files" % up, 400, {"files": []}, headers=key, check_body=False)
    call(d, "PUT", "/task/tid/%s/files" % tid, 400, {"files": [0]}, headers=key)
    call(d, "PUT", "/task/tid/00000000000000000fff/files", 404, {"files": [0]}, headers=key)
    call(d, "DELETE", "/task/tid/%s" % up, 200, headers=key)
    call(d, "GET", "/metrics", 200, headers=key)
    call(d, "GET", "/metrics", 401)
    _, hs, served = call(d, "GET", "/openapi.json", 200)
    if served != DOC.doc:
        failures.append("GET /openapi.json does not serve docs/openapi.json")
    etag = hs.get("etag")
    if not etag:
        failures.append("GET /openapi.json: no ETag")
    else:
        call(d, "GET", "/openapi.json", 304, headers={"If-None-Match": etag})
    return tid


def offcloud(d, org):
    user = d.add_user("oc", ["--email", "oc@example.test", "--password-stdin"],
                      "correct horse battery\n")
    key = {"Authorization": "Bearer " + user["api_key"]}
    form = "application/x-www-form-urlencoded"
    call(d, "POST", "/api/login", 401, "username=oc@example.test&password=wrong", form)
    st, hs, _ = call(d, "POST", "/api/login", 200,
                     "username=oc@example.test&password=correct+horse+battery", form)
    cookie = hs.get("set-cookie", "").split(";")[0]
    call(d, "GET", "/api/check", 200)
    call(d, "GET", "/api/check", 200, headers={"Cookie": cookie})
    _, _, k = call(d, "POST", "/api/key", 200, headers={"Cookie": cookie})
    call(d, "GET", "/api/account/stats", 200, headers=key)
    call(d, "POST", "/api/account/info", 200, headers=key)
    call(d, "POST", "/api/cloud", 401, "url=" + org.url("/file/1"), form)
    call(d, "POST", "/api/cloud", 400, "url=", form, headers=key)
    _, _, made = call(d, "POST", "/api/cloud", 200,
                      "url=" + urllib.parse.quote(org.url("/file/2048?name=oc.bin")),
                      form, headers=key)
    rid = made["requestId"]

    def downloaded():
        st, _, v = raw(d.listen["api"], "POST", "/api/cloud/status",
                       ("requestId=" + rid).encode(), dict(key, **{"Content-Type": form}))
        return st == 200 and json.loads(v)["status"]["status"] == "downloaded"
    wait_for(downloaded, "the cloud request")
    call(d, "POST", "/api/cloud/status", 200, "requestId=" + rid, form, headers=key)
    call(d, "POST", "/api/cloud/status", 200, {"requestIds": [rid, "0" * 24]}, headers=key)
    call(d, "GET", "/api/cloud/status?requestId=" + "f" * 24, 404, headers=key)
    call(d, "GET", "/api/cloud/history", 200, headers=key)
    call(d, "GET", "/api/cloud/history?page=x", 400, headers=key)
    call(d, "GET", "/api/cloud/explore/" + rid, 400, headers=key)
    call(d, "GET", "/api/cloud/list/" + rid, None, headers=key)
    call(d, "GET", "/api/cloud/retry/" + rid, 409, headers=key)
    call(d, "POST", "/api/cache", 200, "hashes[0]=" + "a" * 40 + "&hashes[1]=zz", form,
         headers=key)
    call(d, "POST", "/api/cache/info", 200,
         {"urls": ["magnet:?xt=urn:btih:" + "b" * 40], "includeFiles": True}, headers=key)
    call(d, "POST", "/api/cache/download", 400, {"url": "http://x.test/"}, headers=key)
    call(d, "POST", "/api/cache/download", 404,
         {"url": "magnet:?xt=urn:btih:" + "c" * 40}, headers=key)
    call(d, "POST", "/api/proxy", 200, headers=key)
    call(d, "GET", "/api/remote/accounts", 200, headers=key)
    call(d, "POST", "/api/remote/status", 404, "requestId=" + rid, form, headers=key)
    call(d, "POST", "/api/remote/accounts/add", 400, "type=gopher&host=x", form, headers=key)
    call(d, "POST", "/torrent/upload", 400, "x", "text/plain", headers=key)
    body, ct = multipart("file", "a.torrent", small_torrent())
    _, _, up = call(d, "POST", "/torrent/upload", 200, body, ct, headers=key)
    call(d, "POST", "/api/cloud/remove", 200, {"requests": [rid]}, headers=key)
    call(d, "GET", "/cloud/remove/" + rid, 404, headers=key)
    call(d, "OPTIONS", "/api/cloud", 204, headers={"Origin": "http://elsewhere.test"})
    call(d, "OPTIONS", "/torrent/upload", 204)
    call(d, "POST", "/api/logout", 200, headers={"Cookie": cookie})


def community(d):
    user = d.add_user("cm")
    user["id"] = str(user["id"])
    h = {"id": user["id"], "credential": user["credential"]}
    call(d, "GET", "/user/me", 403, headers={"id": user["id"], "credential": "wrong"})
    call(d, "GET", "/user/me", 200, headers=h)
    call(d, "GET", "/user/" + user["id"], 200, headers=h)
    call(d, "GET", "/user/999999", 404, headers=h)
    _, _, levels = call(d, "GET", "/user/level", 200, headers=h)
    lid = levels["data"][0]["lid"] if levels and levels["data"] else 1
    _, _, post = call(d, "POST", "/user/post", 201,
                      {"title": "A post", "content": "about it", "minLevel": {"lid": lid}},
                      headers=h)
    pid = str(post["data"]["pid"]) if post else "1"
    call(d, "POST", "/user/post", 400, {"title": ""}, headers=h, check_body=False)
    call(d, "GET", "/user/post/" + pid, 200, headers=h)
    call(d, "GET", "/post/" + pid, 200, headers=h)
    call(d, "GET", "/user/post?pageNo=1&pageSize=5", 200, headers=h)
    call(d, "GET", "/user/post?pageSize=1000", 400, headers=h)
    call(d, "PUT", "/user/post/" + pid, 200, {"content": "changed"}, headers=h)
    call(d, "POST", "/user/post/%s/thread" % pid, 201, {"content": "nice", "rate": 4},
         headers=h)
    call(d, "GET", "/user/post/%s/thread" % pid, 200, headers=h)
    call(d, "GET", "/user/post/%s/metainfo" % pid, 404, headers=h)
    body, ct = multipart("file", "a.torrent", small_torrent())
    call(d, "POST", "/user/post/%s/metainfo" % pid, 201, body, ct, headers=h)
    call(d, "GET", "/user/post/%s/metainfo" % pid, 200, headers=h)
    call(d, "POST", "/user/post/%s/fetch" % pid, 201, {}, headers=h)
    call(d, "GET", "/user/post/424242", 404, headers=h)
    call(d, "DELETE", "/user/post/" + pid, 200, headers=h)
    call(d, "GET", "/announce/" + user["passkey"] + "?info_hash=%00&port=1", 200)
    call(d, "GET", "/scrape/" + user["passkey"], 200)


def offline(d, org):
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    creds = Credentials(d.admin["access_key"], d.admin["secret_key"])
    base = "http://" + d.listen["offline"]

    def signed(method, path, body=b""):
        req = AWSRequest(method=method, url=base + path, data=body)
        if body:
            req.headers["Content-Type"] = "application/json"
        S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
        return dict(req.headers.items())

    task = json.dumps({"Url": org.url("/file/1500"), "Key": "doc/offline.bin",
                       "SuccessCallbackUrl": org.url("/status/200"),
                       "FailureCallbackUrl": org.url("/status/200")}).encode()
    DOC.check_request("offline", "PUT", "/docbucket", "application/json", task)
    _, hs, _ = call(d, "PUT", "/docbucket", 200, task, "application/json",
                    headers=signed("PUT", "/docbucket", task), listener="offline",
                    check_body=False)
    tid = hs.get("x-amz-s2-offline-task-id", "0" * 20)
    call(d, "GET", "/docbucket/" + tid, 200, headers=signed("GET", "/docbucket/" + tid),
         listener="offline")
    call(d, "GET", "/docbucket/" + tid, 403, listener="offline")
    call(d, "GET", "/docbucket/00000000000000000777", 404,
         headers=signed("GET", "/docbucket/00000000000000000777"), listener="offline")
    bad = b'{"Url": 1}'
    call(d, "PUT", "/docbucket", 400, bad, "application/json",
         headers=signed("PUT", "/docbucket", bad), listener="offline", check_body=False)
    call(d, "DELETE", "/docbucket/" + tid, None, headers=signed("DELETE", "/docbucket/" + tid),
         listener="offline")


def main():
    problems = openapi_check.check_structure(DOC.doc)
    for p in problems:
        failures.append("document: " + p)
    d = Daemon()
    org = Origin()
    try:
        for part in (task_api, offcloud, community, offline):
            try:
                if part in (community,):
                    part(d)
                else:
                    part(d, org)
            except Exception:
                failures.append("%s raised:\n%s" % (part.__name__, traceback.format_exc()))
    finally:
        org.stop()
        d.stop()
    print("checked %d (operation, status) pairs against the document" % len(DOC.seen))
    if failures:
        print("%d mismatches:" % len(failures))
        for f in failures:
            print("- " + f)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
