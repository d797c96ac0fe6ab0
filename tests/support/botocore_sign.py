#!/usr/bin/env python3
"""Signs a set of S3 requests with botocore's own signers, sends nothing.

A real client's signatures for the verifier's tests: boto3 clients with
SigV4 (S3SigV4Auth) and SigV2 (HmacV1Auth) build each request exactly as
they would send it; a `before-send` hook captures it and stops there.
Presigned URLs come from generate_presigned_url (S3SigV4QueryAuth and
HmacV1QueryAuth).

usage: botocore_sign.py ENDPOINT ACCESS SECRET

Prints a JSON array of {"name", "method", "target", "headers" (lower-case
names, with the `host` the HTTP client adds), "body_b64"}.
"""
import base64
import hashlib
import json
import sys
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

BUCKET = "bkt"
ODD_KEY = "dir/a b+c ü~!$'()*.txt"


class Captured(Exception):
    pass


def client(endpoint, access, secret, version):
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access,
        aws_secret_access_key=secret, region_name="eu-west-3",
        config=Config(signature_version=version,
                      s3={"addressing_style": "path"},
                      retries={"max_attempts": 0}))


def as_text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def entry(name, method, url, headers, body):
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    out = {k.lower(): as_text(v) for k, v in headers.items()}
    out["host"] = parts.netloc
    return {"name": name, "method": method, "target": target,
            "headers": out, "body_b64": base64.b64encode(body).decode()}


def capture(c, name, call, **params):
    """Runs one client call and records the request it would send."""
    got = []

    def hook(request, **_):
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        got.append(entry(name, request.method, request.url,
                         dict(request.headers), body or b""))
        raise Captured()

    c.meta.events.register("before-send", hook, unique_id="capture")
    try:
        getattr(c, call)(**params)
    except Captured:
        pass
    finally:
        c.meta.events.unregister("before-send", unique_id="capture")
    return got[0]


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def presigned(c, name, method, call, params):
    url = c.generate_presigned_url(call, Params=params, ExpiresIn=300)
    return entry(name, method, url, {}, b"")


def main():
    endpoint, access, secret = sys.argv[1:4]
    body = b"hello, world\n"
    out = []
    for version, tag in (("s3v4", "v4"), ("s3", "v2")):
        c = client(endpoint, access, secret, version)
        out += [
            capture(c, tag + "_get", "get_object", Bucket=BUCKET,
                    Key="dir/file.txt"),
            capture(c, tag + "_get_override", "get_object", Bucket=BUCKET,
                    Key="file.txt", ResponseContentType="text/plain",
                    ResponseContentDisposition="attachment; filename=a b"),
            capture(c, tag + "_put", "put_object", Bucket=BUCKET,
                    Key="file.txt", Body=body, ContentType="text/plain",
                    Metadata={"note": "two  spaces"}),
            capture(c, tag + "_put_md5", "put_object", Bucket=BUCKET,
                    Key="file.txt", Body=body, ContentMD5=md5_b64(body)),
            capture(c, tag + "_put_wrong_md5", "put_object", Bucket=BUCKET,
                    Key="file.txt", Body=body,
                    ContentMD5=md5_b64(b"something else")),
            capture(c, tag + "_put_invalid_md5", "put_object", Bucket=BUCKET,
                    Key="file.txt", Body=body, ContentMD5="bm90IGFuIG1kNQ=="),
            capture(c, tag + "_odd_key", "put_object", Bucket=BUCKET,
                    Key=ODD_KEY, Body=body),
            capture(c, tag + "_list", "list_objects", Bucket=BUCKET,
                    Prefix="a b+ü", Delimiter="/"),
            capture(c, tag + "_uploads", "create_multipart_upload",
                    Bucket=BUCKET, Key=ODD_KEY),
            presigned(c, tag + "_presign_get", "GET", "get_object",
                      {"Bucket": BUCKET, "Key": ODD_KEY}),
            presigned(c, tag + "_presign_put", "PUT", "put_object",
                      {"Bucket": BUCKET, "Key": "up.bin"}),
        ]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
