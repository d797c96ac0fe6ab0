#!/usr/bin/env python3
"""Creates TORRENTS posts with a metainfo each on the community face, over
one keep-alive connection, and prints their info-hashes (hex, one a line).

usage: tracker_setup.py API_URL UID CREDENTIAL TORRENTS > hashes
"""
import hashlib
import http.client
import json
import sys
import urllib.parse


def bstr(b):
    return str(len(b)).encode() + b":" + b


def main():
    url, uid, credential, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    head = {"id": uid, "credential": credential}
    for i in range(count):
        info = (b"d6:lengthi1048576e4:name" + bstr(b"t%d.bin" % i)
                + b"12:piece lengthi262144e6:pieces" + bstr(bytes(80)) + b"e")
        body = json.dumps({"title": "bench %d" % i, "minLevel": {"lid": 1}})
        conn.request("POST", "/user/post", body,
                     dict(head, **{"Content-Type": "application/json"}))
        r = conn.getresponse()
        reply = json.loads(r.read())
        if r.status != 201:
            sys.exit("post %d: %s" % (i, reply))
        pid = reply["data"]["pid"]
        boundary = "benchBoundary"
        form = (b"--" + boundary.encode()
                + b'\r\nContent-Disposition: form-data; name="file"; filename="t"\r\n\r\n'
                + b"d4:info" + info + b"e\r\n--" + boundary.encode() + b"--\r\n")
        conn.request("POST", "/user/post/%d/metainfo" % pid, form,
                     dict(head, **{"Content-Type": "multipart/form-data; boundary=" + boundary}))
        r = conn.getresponse()
        r.read()
        if r.status != 201:
            sys.exit("metainfo %d: status %d" % (i, r.status))
        print(hashlib.sha1(info).hexdigest())


if __name__ == "__main__":
    main()
