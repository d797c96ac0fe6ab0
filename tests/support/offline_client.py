#!/usr/bin/env python3
"""Sends one request to Skyhaul's offline listener, signed by botocore.

A real S3 client's signer (SigV4 header, SigV4 presigned query, or SigV2
header), not one written for the tests. Prints one JSON object:
{"status": N, "headers": {lower-case name: value}, "body": "..."}.

usage: offline_client.py ENDPOINT ACCESS SECRET METHOD PATH [--sig v4|v2|v4-query]
       [--skew SECONDS] [--body-file FILE]   (the body is read from FILE)
"""
import argparse
import datetime
import json
import sys
import urllib.error
import urllib.request

from botocore.auth import HmacV1Auth, S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    p = argparse.ArgumentParser()
    p.add_argument("endpoint")
    p.add_argument("access")
    p.add_argument("secret")
    p.add_argument("method")
    p.add_argument("path")
    p.add_argument("--sig", default="v4")
    p.add_argument("--skew", type=int, default=0)
    p.add_argument("--body-file")
    a = p.parse_args()
    body = b""
    if a.body_file:
        with open(a.body_file, "rb") as f:
            body = f.read()
    creds = Credentials(a.access, a.secret)
    req = AWSRequest(method=a.method, url=a.endpoint + a.path, data=body)
    if body:
        req.headers["Content-Type"] = "application/json"
    if a.skew:
        # Sign as if the clock were off by --skew seconds. Older botocore
        # reads datetime.utcnow(), newer get_current_datetime().
        import botocore.auth as ba
        real = datetime.datetime
        shift = datetime.timedelta(seconds=a.skew)

        class Skewed(real):
            @classmethod
            def utcnow(cls):
                return real.utcnow() + shift

            @classmethod
            def now(cls, tz=None):
                return real.now(tz) + shift

        ba.datetime.datetime = Skewed
        if hasattr(ba, "get_current_datetime"):
            inner = ba.get_current_datetime
            ba.get_current_datetime = lambda *x, **k: inner(*x, **k) + shift
    if a.sig == "v2":
        HmacV1Auth(creds).add_auth(req)
    elif a.sig == "v4-query":
        S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=300).add_auth(req)
    else:
        S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    prepared = req.prepare()
    out = urllib.request.Request(prepared.url, data=body or None,
                                 method=a.method)
    for k, v in prepared.headers.items():
        out.add_header(k, v if isinstance(v, str) else v.decode())
    try:
        with urllib.request.urlopen(out, timeout=30) as r:
            status, headers, data = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, headers, data = e.code, e.headers, e.read()
    json.dump({"status": status,
               "headers": {k.lower(): v for k, v in headers.items()},
               "body": data.decode("utf-8", "replace")}, sys.stdout)


if __name__ == "__main__":
    main()
