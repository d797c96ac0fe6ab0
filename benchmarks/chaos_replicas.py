"""IDC replicas for the crash loop (benchmarks/chaos.py): s3rver (npm, run
locally) as two remote S3 IDCs, the daemon's configuration naming them, and
the checks that what the daemon reports replicated is in s3rver byte-exact.

The two IDCs, one s3rver:
  - `big`: every local bucket into `mirror`; objects of 6 MiB and more go
    up as multipart uploads in 5 MiB parts;
  - `mapped`: a bucket map, Offline API bucket `chaos` into `offline` and
    every other local bucket into `mirror2`; single PUTs (its threshold is
    the default 64 MiB, beyond the largest object of the load).

What counts as legitimate:
  - an object is named by its remote location (IDC, remote bucket, key);
    `big` folds every local bucket into one, so tasks of different local
    buckets may share a location. Every task that wrote a location is a
    writer of it; the daemon never deletes a replica, and the uploads of
    several writers race, so the location may hold the bytes of any of
    them. s3rver writes a PUT in place (truncate, then stream), so while
    another writer's upload of the location is still owed (not reported,
    failed, or its task gone), a mismatch gets a bounded grace first;
  - at the end every concrete object of a finished task is owed to every
    IDC, except one whose bytes are gone before its upload could read
    them: a later task wrote the same local bucket/key (same bytes, one
    shared blob), was deleted with its data while it was the object's last
    writer, so the daemon removed the object and the blob. Only that case,
    with the blob checked missing and the deleted writer known, is
    excused.
"""
import hashlib
import http.client
import json
import os
import subprocess
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
S3RVER = os.path.join(ROOT, ".deps", "npm", "node_modules", ".bin", "s3rver")
MULTIPART_THRESHOLD = 6 << 20
PART_SIZE = 5 << 20
# s3rver takes any well-formed signature made with these keys.
KEYS = {"access_key": "S3RVER", "secret_key": "S3RVER"}
IDCS = [
    {"name": "big", "bucket": "mirror",
     "multipart_threshold": MULTIPART_THRESHOLD, "part_size": PART_SIZE},
    {"name": "mapped", "bucket": "mirror2", "bucket_map": {"chaos": "offline"}},
]
REMOTE_BUCKETS = ("mirror", "mirror2", "offline")
# The daemon's replica backoff in the loop: short, so retries happen
# within the run and the final drain, and enough tries (about 55 s of
# them) that an s3rver outage of the loop (at most 6 s) with kills around
# it must not make a replica fail for good.
DAEMON_FLAGS = ["--replica-retry-base-ms", "200",
                "--replica-retry-max-ms", "2000",
                "--replica-max-tries", "30"]
# How long a mismatch may wait for another writer's upload in flight.
GRACE_S = 15


def remote_bucket(idc, local):
    """The remote bucket of local bucket `local` (idc_config::remote_bucket)."""
    m = idc.get("bucket_map", {})
    if local in m:
        return m[local]
    return idc.get("bucket") or local


def multipart(idc, size):
    return size >= idc.get("multipart_threshold", 64 << 20)


class S3rver:
    """s3rver on a free loopback port with the IDCs' buckets; its data and
    log under `tmp`."""

    def __init__(self, binary, tmp):
        self.binary = binary
        self.dir = os.path.join(tmp, "s3rver")
        self.log = os.path.join(tmp, "s3rver.log")
        self.proc = None
        self.port = None

    def start(self):
        if not os.access(self.binary, os.X_OK):
            raise SystemExit("no s3rver at %s (the npm deps; --s3rver PATH, "
                             "or --no-replicas)" % self.binary)
        os.makedirs(self.dir, exist_ok=True)
        # A restart after an outage takes the port it had: the daemon's
        # configuration names it.
        argv = [self.binary, "-d", self.dir, "-a", "127.0.0.1", "-p",
                str(self.port or 0), "--silent"]
        for b in REMOTE_BUCKETS:
            argv += ["--configure-bucket", b]
        # Its log goes to a file: a pipe nobody drains would stall it.
        # Only what this start writes counts.
        seen = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=out)
        end = time.monotonic() + 30
        while time.monotonic() < end and self.proc.poll() is None:
            with open(self.log, "rb") as f:
                f.seek(seen)
                text = f.read().decode("latin-1")
            at = text.find("listening on 127.0.0.1:")
            if at >= 0 and "\n" in text[at:]:
                self.port = int(text[at:].split(":", 1)[1].split()[0])
                return
            time.sleep(0.02)
        self.stop()
        raise SystemExit("s3rver did not start; see " + self.log)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def open_uploads(self):
        """Multipart uploads begun and never completed, from s3rver's own
        folders (`<bucket>/._S3rver_uploads/<upload id>`). A crash in the
        middle of one does not leave it: the restarted daemon continues it.
        One can stay when a crash falls between s3rver's answer to the
        initiation and the daemon's record of the upload id (s3rver 3 has
        neither ListMultipartUploads nor AbortMultipartUpload to clean up
        after that). Counted, not a violation."""
        n = 0
        for b in REMOTE_BUCKETS:
            d = os.path.join(self.dir, b, "._S3rver_uploads")
            if os.path.isdir(d):
                n += len(os.listdir(d))
        return n

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def get(self, bucket, key):
        """(status, bytes) of bucket/key, read through s3rver's S3 API (an
        unsigned GET; s3rver serves anonymous reads)."""
        path = "/%s/%s" % (bucket, urllib.parse.quote(key, safe="/~"))
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()


def write_config(path, endpoint):
    """The daemon's --config file naming the IDCs at `endpoint`."""
    idcs = [dict(idc, endpoint=endpoint, **KEYS) for idc in IDCS]
    with open(path, "w") as f:
        json.dump({"idcs": idcs}, f, indent=1)
    return path


class Writer:
    """One concrete object a task wrote, as seen in a task list."""

    def __init__(self, tid, bucket, f):
        self.tid, self.bucket = tid, bucket
        self.key = f.get("key", "")
        self.sha1 = f.get("sha1", "")
        self.size = f.get("size", 0)
        self.last_modified = f.get("last_modified", 0)


class Replicas:
    """What the crash loop saw of replicas, and their checks.

    `expected(url, sha1)` gives the true digests of one object of the task
    with `url` (None: unknown); `blob_path(sha1)` the daemon's blob file;
    `violation(text)` counts a broken promise."""

    def __init__(self, s3, expected, blob_path, violation):
        self.s3 = s3
        self.expected, self.blob_path = expected, blob_path
        self.violation = violation
        self.lock = threading.Lock()
        self.writers = {}      # tid -> [Writer], every finished task seen
        self.verified = set()  # (tid, key, idc) read back byte-exact
        self.checked_live = 0  # replicas read back after restarts
        self.final = None      # figures of the final check

    # ---- what the lists tell -------------------------------------------
    def note(self, tasks):
        """Remembers the concrete objects of every finished task in a list,
        so that a writer is still known once its task is deleted."""
        with self.lock:
            for t in tasks:
                if t.get("state") != "finished" or t["tid"] in self.writers:
                    continue
                self.writers[t["tid"]] = [
                    Writer(t["tid"], t.get("bucket", ""), f)
                    for f in t.get("files", []) if f.get("concrete_upload")]

    def writers_at(self, idc, rbucket, key):
        with self.lock:
            return [w for ws in self.writers.values() for w in ws
                    if w.key == key
                    and remote_bucket(idc, w.bucket) == rbucket]

    @staticmethod
    def reported(by_tid, w, idc):
        """True when `w`'s task is listed with `idc` among the successes of
        the object: its upload to `idc` is done and will not run again."""
        t = by_tid.get(w.tid)
        if t is None:
            return False
        for f in t.get("files", []):
            if f.get("key") == w.key and f.get("sha1") == w.sha1:
                return idc["name"] in f.get("success_idc", [])
        return False

    def lost_with_deleted_writer(self, by_tid, tid, t, f):
        """The one excused missing replica: the object's blob is gone and a
        task no longer in the list wrote the same local bucket/key later
        (the deletion of the key's last writer removed object and blob)."""
        if os.path.exists(self.blob_path(f.get("sha1", ""))):
            return False
        with self.lock:
            return any(w.tid not in by_tid and w.tid != tid
                       and w.bucket == t.get("bucket") and w.key == f["key"]
                       and w.last_modified > f.get("last_modified", 0)
                       for ws in self.writers.values() for w in ws)

    # ---- the checks ----------------------------------------------------
    def want_of(self, t, f):
        want = self.expected(t["url"], f.get("sha1", ""))
        if want is None:
            want = {"size": f.get("size"), "sha1": f.get("sha1")}
        return want

    def read_back(self, by_tid, tid, t, f, idc):
        """Reads one replica the daemon reports and compares it with the
        true bytes; True when byte-exact (or excused), else a violation."""
        want = self.want_of(t, f)
        rb = remote_bucket(idc, t.get("bucket", ""))
        key = f["key"]
        others = [w for w in self.writers_at(idc, rb, key) if w.tid != tid]
        legit = {w.sha1 for w in others} - {want["sha1"]}

        def look():
            try:
                st, data = self.s3.get(rb, key)
            except (OSError, http.client.HTTPException) as e:
                # Cut short: s3rver rewrites an object in place, and the
                # daemon may be uploading this one again (a replica whose
                # success a kill kept from the record).
                return "unreadable", repr(e)
            if st != 200:
                return "status", "status %d" % st
            sha1 = hashlib.sha1(data).hexdigest()
            if len(data) == want["size"] and sha1 == want["sha1"]:
                return "exact", ""
            if sha1 in legit:
                return "other", sha1
            return "wrong", "%d bytes, sha1 %s" % (len(data), sha1)

        got, why = look()
        if got == "unreadable" or (
                got in ("wrong", "status")
                and any(not self.reported(by_tid, w, idc) for w in others)):
            # Another writer's upload may be rewriting it in place.
            end = time.monotonic() + GRACE_S
            while got not in ("exact", "other") and time.monotonic() < end:
                time.sleep(0.2)
                got, why = look()
        if got == "exact":
            return "exact"
        if got == "other":
            # A later (or racing) writer of the location put its own bytes.
            return "overwritten"
        self.violation("task %s: IDC %s reports %s replicated, s3rver's %s/%s "
                       "has %s; true %d bytes, sha1 %s"
                       % (tid, idc["name"], key, rb, key, why, want["size"],
                          want["sha1"]))
        return "bad"

    def check(self, by_tid, final=False):
        """After a restart: every replica the daemon reports and this tool
        has not read yet. At the end (after the drain): every replica of
        every finished object, each IDC, all read again."""
        self.note(by_tid.values())
        figures = {"owed": 0, "verified": 0, "overwritten": 0, "excused": 0,
                   "multipart": 0, "per_idc": {i["name"]: 0 for i in IDCS}}
        for tid, t in sorted(by_tid.items()):
            if t["state"] != "finished":
                continue
            for f in t.get("files", []):
                if not f.get("concrete_upload"):
                    continue  # the object was another task's: nothing owed
                for idc in IDCS:
                    mark = (tid, f.get("key"), idc["name"])
                    reported = idc["name"] in f.get("success_idc", [])
                    if not final:
                        if reported and mark not in self.verified:
                            if self.read_back(by_tid, tid, t, f, idc) in \
                                    ("exact", "overwritten"):
                                self.verified.add(mark)
                                self.checked_live += 1
                        continue
                    figures["owed"] += 1
                    if not reported:
                        if self.lost_with_deleted_writer(by_tid, tid, t, f):
                            figures["excused"] += 1
                            continue
                        self.violation(
                            "task %s: object %s was never replicated to IDC "
                            "%s (failure_idc %s)"
                            % (tid, f.get("key"), idc["name"],
                               f.get("failure_idc")))
                        continue
                    got = self.read_back(by_tid, tid, t, f, idc)
                    if got == "exact":
                        figures["verified"] += 1
                        figures["per_idc"][idc["name"]] += 1
                        if multipart(idc, f.get("size", 0)):
                            figures["multipart"] += 1
                    elif got == "overwritten":
                        figures["overwritten"] += 1
        if final:
            self.final = figures
        return figures

    def pending(self, tasks):
        """How many replicas of finished objects are not reported done yet
        (the excused ones aside): the drain waits for none."""
        by_tid = {t["tid"]: t for t in tasks}
        self.note(tasks)
        n = 0
        for tid, t in by_tid.items():
            if t["state"] != "finished":
                continue
            for f in t.get("files", []):
                if not f.get("concrete_upload"):
                    continue
                for idc in IDCS:
                    if idc["name"] not in f.get("success_idc", []) and \
                            not self.lost_with_deleted_writer(by_tid, tid, t,
                                                              f):
                        n += 1
        return n

    def summary(self):
        f = self.final
        if f is None:
            return "replicas verified: none (no final check)"
        per = ", ".join("%s %d" % (k, v) for k, v in f["per_idc"].items())
        return ("replicas verified: %d/%d byte-exact in s3rver (%s; %d "
                "multipart), %d overwritten by another writer, %d excused "
                "(deleted last writer), %d read back after restarts"
                % (f["verified"], f["owed"], per, f["multipart"],
                   f["overwritten"], f["excused"], self.checked_live))
