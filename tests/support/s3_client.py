#!/usr/bin/env python3
"""Drives real S3 clients (boto3, s3cmd) against Skyhaul's s3 listener for
the integration tests.

    s3_client.py ENDPOINT ACCESS_KEY SECRET_KEY OPS_JSON

OPS_JSON is a JSON list of operations, run in order; the script prints one
JSON list with a result per operation. An empty ACCESS_KEY makes anonymous
(unsigned) requests. Every result has "status" (HTTP) and, on failure,
"code" (the S3 error code) and "request_id". Operations:

  {"op": "list_buckets"}
  {"op": "list_v2", "bucket", "prefix", "delimiter", "max_keys",
   "start_after", "token", "fetch_owner", "encoding"}   one page
  {"op": "list_all", "v1": bool, "bucket", "prefix", "delimiter",
   "page_size"}                                          boto3's paginator
  {"op": "get"|"head", "bucket", "key", "range", "if_match",
   "if_none_match", "if_modified_since", "if_unmodified_since" (Unix s),
   "response_content_type", "response_content_disposition"}
  {"op": "delete", "bucket", "key"}
  {"op": "create_bucket", "bucket", "acl", "grant_read", "grant_write",
   "grant_full_control"}
  {"op": "delete_bucket"|"head_bucket"|"location", "bucket"}
  {"op": "presign", "bucket", "key", "expires", "params"}  then fetched
                                                           with urllib
  {"op": "raw", "method", "path", "sign": bool}   the path is sent as is
  {"op": "s3cmd", "args": [...], "v2": bool}

Any operation may carry "sig": "v2" to sign with AWS Signature Version 2
instead of 4.
"""

import datetime
import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import boto3
import botocore
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ENDPOINT, ACCESS, SECRET = sys.argv[1], sys.argv[2], sys.argv[3]
REGION = "us-east-1"


def client(sig="v4"):
    opts = dict(s3={"addressing_style": "path"},
                retries={"max_attempts": 1},
                connect_timeout=10, read_timeout=30)
    if not ACCESS:
        opts["signature_version"] = botocore.UNSIGNED
    else:
        opts["signature_version"] = "s3" if sig == "v2" else "s3v4"
    try:
        # Newer botocore adds checksums to every call unless told not to.
        cfg = Config(request_checksum_calculation="when_required",
                     response_checksum_validation="when_required", **opts)
    except TypeError:
        cfg = Config(**opts)
    return boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION,
                        aws_access_key_id=ACCESS or None,
                        aws_secret_access_key=SECRET or None, config=cfg)


def meta(resp):
    m = resp.get("ResponseMetadata", {})
    return {"status": m.get("HTTPStatusCode"),
            "request_id": m.get("RequestId", "")}


def failure(e):
    out = meta(e.response)
    out["code"] = e.response.get("Error", {}).get("Code", "")
    return out


def body_result(data):
    out = {"size": len(data), "md5": hashlib.md5(data).hexdigest()}
    if len(data) <= 256:
        out["hex"] = data.hex()
    return out


def epoch(dt):
    return int(dt.timestamp()) if dt else None


def when(s):
    return datetime.datetime.fromtimestamp(s, datetime.timezone.utc)


def list_result(resp):
    out = meta(resp)
    out["keys"] = [c["Key"] for c in resp.get("Contents", [])]
    out["prefixes"] = [p["Prefix"] for p in resp.get("CommonPrefixes", [])]
    out["truncated"] = resp.get("IsTruncated", False)
    out["next_token"] = resp.get("NextContinuationToken", "")
    out["key_count"] = resp.get("KeyCount")
    out["owners"] = [c["Owner"].get("DisplayName", "")
                     for c in resp.get("Contents", []) if "Owner" in c]
    out["etags"] = [c["ETag"] for c in resp.get("Contents", [])]
    out["sizes"] = [c["Size"] for c in resp.get("Contents", [])]
    return out


def object_args(op):
    args = {"Bucket": op["bucket"], "Key": op["key"]}
    for name, arg in (("range", "Range"), ("if_match", "IfMatch"),
                      ("if_none_match", "IfNoneMatch"),
                      ("response_content_type", "ResponseContentType"),
                      ("response_content_disposition",
                       "ResponseContentDisposition")):
        if name in op:
            args[arg] = op[name]
    for name, arg in (("if_modified_since", "IfModifiedSince"),
                      ("if_unmodified_since", "IfUnmodifiedSince")):
        if name in op:
            args[arg] = when(op[name])
    return args


def run_s3cmd(op):
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as f:
        host = urllib.parse.urlparse(ENDPOINT).netloc
        f.write("[default]\naccess_key = %s\nsecret_key = %s\n"
                "host_base = %s\nhost_bucket = %s\nuse_https = False\n"
                "signature_v2 = %s\n" % (ACCESS, SECRET, host, host,
                                         "True" if op.get("v2") else "False"))
        cfg = f.name
    try:
        p = subprocess.run(["s3cmd", "-c", cfg, "--no-progress"]
                           + op["args"], capture_output=True, text=True,
                           timeout=60)
        return {"status": 0, "rc": p.returncode, "stdout": p.stdout,
                "stderr": p.stderr}
    finally:
        os.unlink(cfg)


def run_raw(op):
    url = urllib.parse.urlparse(ENDPOINT)
    headers = {}
    if op.get("sign"):
        req = AWSRequest(method=op["method"], url=ENDPOINT + op["path"])
        req.context["payload_signing_enabled"] = True
        S3SigV4Auth(Credentials(ACCESS, SECRET), "s3", REGION).add_auth(req)
        headers = dict(req.headers.items())
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request(op["method"], op["path"], headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    code = re.search(rb"<Code>([^<]*)</Code>", body)
    out = {"status": resp.status,
           "code": code.group(1).decode() if code else "",
           "request_id": resp.getheader("x-amz-request-id", "")}
    out.update(body_result(body))
    conn.close()
    return out


def run(op):
    kind = op["op"]
    if kind == "s3cmd":
        return run_s3cmd(op)
    if kind == "raw":
        return run_raw(op)
    s3 = client(op.get("sig", "v4"))
    try:
        if kind == "list_buckets":
            resp = s3.list_buckets()
            out = meta(resp)
            out["buckets"] = [b["Name"] for b in resp["Buckets"]]
            out["owner_id"] = resp["Owner"]["ID"]
            out["owner_name"] = resp["Owner"].get("DisplayName", "")
            return out
        if kind == "list_v2":
            args = {"Bucket": op["bucket"]}
            for name, arg in (("prefix", "Prefix"), ("delimiter", "Delimiter"),
                              ("max_keys", "MaxKeys"),
                              ("start_after", "StartAfter"),
                              ("token", "ContinuationToken"),
                              ("fetch_owner", "FetchOwner"),
                              ("encoding", "EncodingType")):
                if name in op:
                    args[arg] = op[name]
            return list_result(s3.list_objects_v2(**args))
        if kind == "list_all":
            name = "list_objects" if op.get("v1") else "list_objects_v2"
            args = {"Bucket": op["bucket"],
                    "PaginationConfig": {"PageSize": op["page_size"]}}
            for k, arg in (("prefix", "Prefix"), ("delimiter", "Delimiter")):
                if k in op:
                    args[arg] = op[k]
            out = {"keys": [], "prefixes": [], "pages": 0, "status": 200}
            for page in s3.get_paginator(name).paginate(**args):
                res = list_result(page)
                out["pages"] += 1
                out["keys"] += res["keys"]
                out["prefixes"] += res["prefixes"]
            return out
        if kind in ("get", "head"):
            if kind == "head":
                args = object_args(op)
                for k in ("ResponseContentType", "ResponseContentDisposition"):
                    args.pop(k, None)
                resp = s3.head_object(**args)
            else:
                resp = s3.get_object(**object_args(op))
            out = meta(resp)
            out["etag"] = resp.get("ETag", "")
            out["length"] = resp.get("ContentLength")
            out["content_type"] = resp.get("ContentType", "")
            out["content_range"] = resp.get("ContentRange", "")
            out["content_disposition"] = resp.get("ContentDisposition", "")
            out["accept_ranges"] = resp.get("AcceptRanges", "")
            out["last_modified"] = epoch(resp.get("LastModified"))
            if kind == "get":
                out.update(body_result(resp["Body"].read()))
            return out
        if kind == "delete":
            return meta(s3.delete_object(Bucket=op["bucket"], Key=op["key"]))
        if kind == "create_bucket":
            args = {"Bucket": op["bucket"]}
            for name, arg in (("acl", "ACL"), ("grant_read", "GrantRead"),
                              ("grant_write", "GrantWrite"),
                              ("grant_full_control", "GrantFullControl")):
                if name in op:
                    args[arg] = op[name]
            return meta(s3.create_bucket(**args))
        if kind == "delete_bucket":
            return meta(s3.delete_bucket(Bucket=op["bucket"]))
        if kind == "head_bucket":
            return meta(s3.head_bucket(Bucket=op["bucket"]))
        if kind == "location":
            resp = s3.get_bucket_location(Bucket=op["bucket"])
            out = meta(resp)
            out["location"] = resp.get("LocationConstraint")
            return out
        if kind == "presign":
            params = {"Bucket": op["bucket"], "Key": op["key"]}
            params.update(op.get("params", {}))
            url = s3.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=op.get("expires", 300))
            try:
                with urllib.request.urlopen(url, timeout=30) as resp:
                    out = {"status": resp.status, "url": url,
                           "content_type": resp.headers.get("Content-Type"),
                           "content_disposition":
                               resp.headers.get("Content-Disposition", "")}
                    out.update(body_result(resp.read()))
                    return out
            except urllib.error.HTTPError as e:
                body = e.read()
                code = re.search(rb"<Code>([^<]*)</Code>", body)
                return {"status": e.code, "url": url,
                        "code": code.group(1).decode() if code else ""}
    except ClientError as e:
        return failure(e)
    raise SystemExit("unknown op: " + kind)


def main():
    ops = json.loads(sys.argv[4])
    print(json.dumps([run(op) for op in ops]))


if __name__ == "__main__":
    main()
