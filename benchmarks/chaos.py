#!/usr/bin/env python3
"""A crash loop with invariants: skyhauld is killed with SIGKILL at random
moments under mixed load, restarted each time, and after every restart and
at the end its promises are checked and every broken one is counted.

  benchmarks/chaos.py [--kills 50] [--seed S] [--skyhauld PATH] [--keep]
                      [--no-replicas] [--no-s3-outages] [--no-faces]
                      [--s3rver PATH]

Load (for the whole run, on loopback): small HTTP downloads, large segmented
ones over throttled connections, torrents from a local libtorrent seeder,
Offline API tasks (SigV2-signed PUT) and Task API tasks with callbacks to a
local receiver (which fails its first answers, so retries happen), tasks
created paused, pauses, resumes and deletes; Offcloud cloud requests,
community posts, replies and deletes, and a tracker peer announcing
(benchmarks/chaos_faces.py; `--no-faces` leaves them out); every finished
object is
replicated to two IDCs on a local s3rver (benchmarks/chaos_replicas.py: one
by multipart uploads, one by single PUTs through a bucket map), and s3rver
itself goes down for 1-6 s every 5-20 s (`--no-s3-outages` keeps it up), so
replicas owed during an outage must be retried, not lost. Gaps between
kills are drawn from a seeded RNG (printed, so `--seed` replays the kill
schedule; the load threads race the kills, so a replay is close, not
identical).

Checked after every restart and at the end:
  - every acknowledged task exists in a legal state; an acknowledged pause
    holds; an acknowledged delete holds; a download from a good source does
    not fail;
  - every finished object has the true size/MD5/SHA-1/CRC32, its blob file
    exists and hashes to its name, and the bytes read through the API's
    download URL equal the origin's;
  - no blob without a task that refers to it, no partial/ dir of a
    finished, cancelled or unknown task (a failed one keeps its bytes for a
    resume; both given a bounded grace for a commit in flight);
  - no callback for a task that has not ended, none of the wrong kind, and
    (at the end) every owed callback delivered at least once;
  - every replica the daemon reports (a file's `success_idc`) is in
    s3rver byte-exact; at the end, after the drain, every concrete object
    of a finished task is replicated to every IDC (the one excused loss: a
    later writer of the key deleted with its data took the blob first);
  - every answered cloud request, post, reply and post delete holds, and
    the tracker counts the peer's transfer once (chaos_faces.py);
  - GET /task/state_counter equals a scan of the task list;
  - LMDB reopens (the restart) and `mdb_stat -r` lists no dead reader.
Exit status 1 on any violation.
"""
import argparse
import base64
import email.utils
import hashlib
import hmac
import http.client
import importlib.util
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib

import chaos_faces
import chaos_replicas

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUPPORT = os.path.join(ROOT, "tests", "support")
ENDED = ("finished", "failed", "cancelled")
LEGAL = ("waiting", "downloading", "paused") + ENDED
COUNTED = ("waiting", "downloading", "paused", "finished", "failed",
           "cancelled")


def load_origin_content():
    """origin.py's content(): the bytes every /file/ and /slow/ serves."""
    spec = importlib.util.spec_from_file_location(
        "skyhaul_origin", os.path.join(SUPPORT, "origin.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.content


CONTENT = load_origin_content()


def digests_of(data):
    return {"size": len(data), "md5": hashlib.md5(data).hexdigest(),
            "sha1": hashlib.sha1(data).hexdigest(),
            "crc32": "%08x" % (zlib.crc32(data) & 0xffffffff)}


class Bounded:
    """A deadline for condition polls: every wait in this tool has one."""

    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic() > 0


def wait_for(pred, seconds, step=0.02):
    b = Bounded(seconds)
    while True:
        v = pred()
        if v or not b.left():
            return v
        time.sleep(step)


def start_helper(argv, log_path):
    """Starts a support server that prints {"port": N} and serves until its
    stdin closes; returns (process, port)."""
    err = open(log_path, "ab")
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=err)
    line = p.stdout.readline()
    try:
        port = json.loads(line)["port"]
    except (ValueError, KeyError):
        p.kill()
        raise SystemExit("%s did not start: %r" % (argv[1], line))
    return p, port


class Api:
    """One Task API request per call, a fresh connection each time (the
    daemon may have died since the last one)."""

    def __init__(self, addr, key):
        self.host, port = addr.rsplit(":", 1)
        self.port = int(port)
        self.key = key

    def call(self, method, path, body=None, timeout=10, raw=False):
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            h = {"Authorization": "Bearer " + self.key}
            if body is not None:
                body = json.dumps(body).encode()
                h["Content-Type"] = "application/json"
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            if raw:
                return r.status, data
            try:
                return r.status, json.loads(data or b"{}")
            except ValueError:
                return r.status, {"raw": data[:200].decode("latin-1")}
        finally:
            c.close()


def offline_put(addr, access, secret, bucket, body, timeout=10):
    """PUT /<bucket> on the offline listener, signed with AWS SigV2."""
    host, port = addr.rsplit(":", 1)
    data = json.dumps(body).encode()
    date = email.utils.formatdate(usegmt=True)
    sts = "PUT\n\napplication/json\n%s\n/%s" % (date, bucket)
    sig = base64.b64encode(hmac.new(secret.encode(), sts.encode(),
                                    hashlib.sha1).digest()).decode()
    c = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        c.request("PUT", "/" + bucket, body=data,
                  headers={"Content-Type": "application/json", "Date": date,
                           "Authorization": "AWS %s:%s" % (access, sig)})
        r = c.getresponse()
        r.read()
        return r.status, r.getheader("x-amz-s2-offline-task-id", "")
    finally:
        c.close()


class Daemon:
    def __init__(self, binary, data, extra):
        self.binary, self.data, self.extra = binary, data, extra
        self.proc = None
        self.log = os.path.join(os.path.dirname(data), "skyhauld.log")

    def start(self):
        listen = os.path.join(self.data, "listen.json")
        if os.path.exists(listen):
            os.remove(listen)
        argv = [self.binary, "--data-dir", self.data, "--api", "127.0.0.1:0",
                "--offline", "127.0.0.1:0", "--s3", "127.0.0.1:0",
                "--allow-private-networks", "--bt-listen=127.0.0.1:0",
                "--bt-dht=false", "--bt-lsd=false",
                "--bt-port-mapping=false"] + self.extra
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=out)
        t0 = time.monotonic()
        ok = wait_for(lambda: os.path.exists(listen)
                      or self.proc.poll() is not None, 30, 0.01)
        if not ok or self.proc.poll() is not None:
            return None
        self.listen = json.load(open(listen))
        self.admin = json.load(open(os.path.join(self.data, "admin.json")))
        self.api = Api(self.listen["api"], self.admin["api_key"])
        return time.monotonic() - t0

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class Task:
    """What the tool was told about one acknowledged task."""

    def __init__(self, tid, kind, url, cb_success, cb_failure, good):
        self.tid, self.kind, self.url = tid, kind, url
        self.cb_success, self.cb_failure = cb_success, cb_failure
        self.good = good          # the source can be downloaded
        self.paused = None        # True: a pause was acknowledged last
        self.deleted = False      # a delete was acknowledged
        self.unsure = False       # a pause/resume/delete got no answer


class Chaos:
    def __init__(self, args, tmp):
        self.args, self.tmp = args, tmp
        self.rng = random.Random(args.seed)
        self.load_rng = random.Random(args.seed + 1)
        self.outage_rng = random.Random(args.seed + 2)
        # Held while s3rver is down, and by the checks that read it.
        self.s3_lock = threading.Lock()
        self.outages = 0
        self.outage_s = 0.0
        self.lock = threading.Lock()
        self.tasks = {}            # tid -> Task (acknowledged only)
        self.verified = set()      # (tid, sha1) read back byte-exact
        self.violations = []
        self.seen_violation = set()
        self.digest_cache = {}
        self.helpers = []
        self.acked_creates = 0
        self.unanswered = 0
        self.ended = set()         # tids seen in an ended state
        self.stop_load = threading.Event()
        # Held by a load step and by the checks: the checks see no pause,
        # resume or delete of this tool land halfway through them.
        self.gate = threading.Lock()
        self.daemon_up = threading.Event()
        self.faces = None
        self.tracker_rng = random.Random(args.seed + 3)

    # ---- set-up ----------------------------------------------------------
    def violation(self, text):
        if text in self.seen_violation:
            return
        self.seen_violation.add(text)
        self.violations.append(text)
        print("  VIOLATION: " + text, flush=True)

    def setup(self):
        t = self.tmp
        p, self.origin_port = start_helper(
            [sys.executable, os.path.join(SUPPORT, "origin.py")],
            os.path.join(t, "origin.log"))
        self.helpers.append(p)
        self.receiver_log = os.path.join(t, "callbacks.jsonl")
        open(self.receiver_log, "w").close()
        p, self.receiver_port = start_helper(
            [sys.executable, os.path.join(SUPPORT, "receiver.py"), "--log",
             self.receiver_log, "--fail", "3"], os.path.join(t, "receiver.log"))
        self.helpers.append(p)
        self.torrents = []
        self.torrent_digests = {}
        if self.args.torrents and os.path.exists("/usr/bin/python3"):
            self.setup_seeder()
        extra = []
        self.replicas = None
        self.excused_blobs = 0  # objects a later writer's delete took
        if self.args.replicas:
            self.s3 = chaos_replicas.S3rver(self.args.s3rver, t)
            self.s3.start()
            extra = ["--config", chaos_replicas.write_config(
                os.path.join(t, "idcs.json"), self.s3.endpoint)] \
                + chaos_replicas.DAEMON_FLAGS
            self.replicas = chaos_replicas.Replicas(
                self.s3, self.expected, self.blob_path, self.violation)
        if self.args.faces:
            self.faces = chaos_faces.Faces(self.violation,
                                           self.expected_bytes)
            extra = extra + chaos_faces.DAEMON_FLAGS
        data = os.path.join(t, "data")
        os.makedirs(data)
        self.daemon = Daemon(self.args.skyhauld, data,
                             ["--callback-retry-base-ms", "100",
                              "--callback-timeout-ms", "2000",
                              "--min-split-size=1048576"] + extra)

    def setup_seeder(self):
        seeder = os.path.join(SUPPORT, "seeder.py")
        sdata = os.path.join(self.tmp, "seed")
        for name, files in (("pack", ["pack/a.bin:1500000",
                                      "pack/b/c.bin:700001"]),
                            ("solo.bin", ["solo.bin:2100000"])):
            out = os.path.join(self.tmp, name + ".torrent")
            r = subprocess.run(["/usr/bin/python3", seeder, "make", "--data",
                                sdata, "--name", name, "--out", out] + files,
                               capture_output=True, timeout=60)
            if r.returncode != 0:
                print("seeder make failed, no torrents: "
                      + r.stderr.decode()[-300:])
                return
            made = json.loads(r.stdout.decode().strip().splitlines()[-1])
            p, port = start_helper(["/usr/bin/python3", seeder, "seed",
                                    "--torrent", out, "--data", sdata],
                                   os.path.join(self.tmp, "seeder.log"))
            self.helpers.append(p)
            self.torrents.append(made["magnet"] + "&x.pe=127.0.0.1:%d" % port)
            for f in made["files"]:
                self.torrent_digests[f["sha1"]] = {
                    "size": f["size"], "md5": f["md5"], "sha1": f["sha1"],
                    "crc32": f["crc32"]}

    def teardown(self):
        self.stop_load.set()
        if hasattr(self, "daemon"):
            self.daemon.stop()
        if getattr(self, "s3", None):
            self.s3.stop()
        for p in self.helpers:
            try:
                p.stdin.close()
                p.wait(timeout=10)
            except (subprocess.TimeoutExpired, OSError):
                p.kill()
                p.wait()

    # ---- the load --------------------------------------------------------
    def origin(self, path):
        return "http://127.0.0.1:%d%s" % (self.origin_port, path)

    def receiver(self, path):
        return "http://127.0.0.1:%d%s" % (self.receiver_port, path)

    def live_count(self):
        with self.lock:
            return sum(1 for t in self.tasks.values()
                       if not t.deleted and t.paused is not True
                       and t.tid not in self.ended)

    def create(self, kind, body, good, cb_s=False, cb_f=False, paused=False):
        try:
            st, j = self.daemon.api.call("POST", "/task", body)
        except OSError:
            self.unanswered += 1
            return
        if st // 100 == 2 and j.get("status") == "success":
            t = Task(j["tid"], kind, body["url"], cb_s, cb_f, good)
            t.paused = True if paused else None
            with self.lock:
                self.tasks[t.tid] = t
                self.acked_creates += 1

    def create_offline(self, good):
        size = self.load_rng.randint(1, 300000)
        url = self.origin("/file/%d?name=o%d.bin" % (size, size)) if good \
            else self.origin("/status/404")
        body = {"Url": url, "SuccessCallbackUrl": self.receiver("/ok"),
                "FailureCallbackUrl": self.receiver("/fail")}
        a = self.daemon.admin
        try:
            st, tid = offline_put(self.daemon.listen["offline"],
                                  a["access_key"], a["secret_key"], "chaos",
                                  body)
        except OSError:
            self.unanswered += 1
            return
        if st == 200 and tid:
            with self.lock:
                self.tasks[tid] = Task(tid, "offline", url, True, True, good)
                self.acked_creates += 1

    def act(self, verb):
        """Pauses, resumes or deletes one acknowledged task."""
        with self.lock:
            pool = [t for t in self.tasks.values() if not t.deleted
                    and (verb != "resume" or t.paused)
                    and (verb != "delete" or t.tid in self.ended)]
        if not pool:
            return
        t = self.load_rng.choice(pool)
        try:
            if verb == "delete":
                st, j = self.daemon.api.call(
                    "DELETE", "/task/tid/%s?del_file=true" % t.tid)
            else:
                st, j = self.daemon.api.call(
                    "PUT", "/task/tid/%s?act=%s" % (t.tid, verb))
        except OSError:
            with self.lock:
                t.unsure = True
            return
        ok = st // 100 == 2 and j.get("status") == "success"
        with self.lock:
            if ok and verb == "delete":
                t.deleted = True
            elif ok:
                t.paused = verb == "pause"
                t.unsure = False

    def load_step(self):
        r = self.load_rng
        if self.faces and r.random() < 0.15:
            made = self.faces.step(self.daemon, r, self.origin)
            if made:
                tid, url = made
                with self.lock:
                    self.tasks[tid] = Task(tid, "offcloud", url, False, False,
                                           True)
                    self.acked_creates += 1
            return
        n = r.random()
        if n < 0.25:
            size = r.randint(1, 400000)
            self.create("small", {"url": self.origin(
                "/file/%d?name=s%d.bin" % (size, size))}, True)
        elif n < 0.35:
            size = r.randint(3, 9) * 1048576 + r.randint(0, 99999)
            self.create("large", {"url": self.origin(
                "/slow/%d?bps=%d" % (size, 1500000)), "connections": 4}, True)
        elif n < 0.42 and self.torrents:
            self.create("torrent", {"url": r.choice(self.torrents)}, True)
        elif n < 0.55:
            self.create_offline(r.random() < 0.8)
        elif n < 0.65:
            good = r.random() < 0.8
            size = r.randint(1, 200000)
            url = self.origin("/file/%d?name=c%d.bin" % (size, size)) if good \
                else self.origin("/status/404")
            self.create("callback", {
                "url": url, "success_callback_url": self.receiver("/ok"),
                "failure_callback_url": self.receiver("/fail")}, good,
                True, True)
        elif n < 0.72:
            size = r.randint(1, 100000)
            self.create("paused", {"url": self.origin("/file/%d" % size),
                                   "paused": True}, True, paused=True)
        elif n < 0.84:
            self.act("pause")
        elif n < 0.94:
            self.act("resume")
        else:
            self.act("delete")

    def load_loop(self):
        while not self.stop_load.is_set():
            if not self.daemon_up.wait(0.5):
                continue
            if self.live_count() >= self.args.live:
                # Enough in flight: look again which have ended.
                with self.gate:
                    self.refresh_ended()
                self.stop_load.wait(0.1)
                continue
            with self.gate:
                self.load_step()
            self.stop_load.wait(self.load_rng.uniform(0.02, 0.2))

    def tracker_loop(self):
        """The tracker peer: an announce every 1.2-2 s while the load
        runs, answered or not."""
        while not self.stop_load.wait(self.tracker_rng.uniform(1.2, 2.0)):
            if self.daemon_up.is_set():
                self.faces.announce(self.daemon, self.tracker_rng)

    def refresh_ended(self):
        try:
            tasks = self.list_tasks()
        except OSError:
            return
        with self.lock:
            self.ended |= {t["tid"] for t in tasks if t["state"] in ENDED}
        if self.replicas:
            # The objects of a task the load may delete next stay known.
            self.replicas.note(tasks)

    # ---- the checks ------------------------------------------------------
    def list_tasks(self):
        out, cursor = [], ""
        for _ in range(1000):
            st, j = self.daemon.api.call(
                "GET", "/task/list?exerpt=false&limit=1000&cursor=" + cursor,
                timeout=30)
            if st != 200:
                raise OSError("list answered %d %s" % (st, j))
            out += j["detail"]
            cursor = j.get("next", "")
            if not cursor:
                return out
        raise OSError("list does not end")

    @staticmethod
    def origin_size(url):
        """The size of the origin's /file/N or /slow/N at `url`; None for
        any other URL."""
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        parts = path.split("?")[0].split("/")
        if len(parts) == 2 and parts[0] in ("file", "slow"):
            return int(parts[1])
        return None

    def expected(self, url, sha1):
        """The true digests of one object of the task with `url`."""
        if url.startswith("magnet:"):
            return self.torrent_digests.get(sha1)
        size = self.origin_size(url)
        if size is None:
            return None
        if size not in self.digest_cache:
            self.digest_cache[size] = digests_of(CONTENT(0, size))
        return self.digest_cache[size]

    def expected_bytes(self, url):
        """The bytes the origin serves for `url` (None: not a file URL)."""
        size = self.origin_size(url)
        return None if size is None else CONTENT(0, size)

    def blob_path(self, sha1):
        return os.path.join(self.daemon.data, "blobs", sha1[:2], sha1)

    def scan_dir(self, sub):
        base = os.path.join(self.daemon.data, sub)
        out = set()
        for root, dirs, files in os.walk(base):
            for f in files:
                out.add(os.path.relpath(os.path.join(root, f), base))
        return out

    def check_objects(self, by_tid, final):
        objects = 0
        for tid, t in by_tid.items():
            if t["state"] != "finished":
                continue
            for f in t.get("files", []):
                objects += 1
                want = self.expected(t["url"], f.get("sha1", ""))
                if want is None:
                    self.violation("task %s: object %s has digests of no "
                                   "source file (sha1 %s)"
                                   % (tid, f.get("key"), f.get("sha1")))
                    continue
                got = {"size": f.get("size"), "md5": f.get("md5"),
                       "sha1": f.get("sha1"), "crc32": f.get("crc32")}
                if got != want:
                    self.violation("task %s: object %s digests %s, true %s"
                                   % (tid, f.get("key"), got, want))
                if not os.path.exists(self.blob_path(want["sha1"])):
                    # The excused loss: a later writer of the same key
                    # (a torrent's file name, say) was deleted with its
                    # data, which removed the object and its blob.
                    if self.replicas and self.replicas.lost_with_deleted_writer(
                            by_tid, tid, t, f):
                        self.excused_blobs += 1
                    else:
                        self.violation("task %s: object %s has no blob %s"
                                       % (tid, f.get("key"), want["sha1"]))
            if final or not all((tid, f.get("sha1")) in self.verified
                                for f in t.get("files", [])):
                self.read_back(tid, t)
        return objects

    def read_back(self, tid, t):
        """Reads every object of a finished task through its download URL
        and its blob file, and compares both with the true bytes."""
        try:
            st, j = self.daemon.api.call("GET", "/task/tid/%s/info" % tid)
        except OSError:
            return
        if st == 404:
            return  # deleted meanwhile
        for f in j.get("detail", {}).get("files", []):
            want = self.expected(t["url"], f.get("sha1", ""))
            if want is None or not f.get("url"):
                continue
            try:
                st, data = self.daemon.api.call("GET", f["url"], timeout=60,
                                                raw=True)
            except OSError:
                continue
            if st == 404:
                continue
            if st != 200 or digests_of(data) != want:
                self.violation("task %s: reading %s gave %d, %d bytes, sha1 "
                               "%s; true %s" % (tid, f.get("key"), st,
                                                len(data),
                                                hashlib.sha1(data).hexdigest(),
                                                want["sha1"]))
                continue
            if not t["url"].startswith("magnet:"):
                size = want["size"]
                if data != CONTENT(0, size):
                    self.violation("task %s: %s differs from the origin"
                                   % (tid, f.get("key")))
            try:
                with open(self.blob_path(want["sha1"]), "rb") as b:
                    blob = hashlib.sha1(b.read()).hexdigest()
            except OSError:
                blob = "missing"
            if blob != want["sha1"]:
                self.violation("task %s: blob of %s hashes to %s"
                               % (tid, f.get("key"), blob))
            self.verified.add((tid, f["sha1"]))

    def check_files(self, by_tid):
        """No blob without a reference, no partial/ of an ended task. A
        download that just finished renames its blob before it commits and
        removes partial/ after: both get a bounded grace."""
        def problems():
            tasks = {t["tid"]: t for t in self.list_tasks()}
            refs = {f.get("sha1") for t in tasks.values()
                    for f in t.get("files", [])}
            out = []
            for rel in self.scan_dir("blobs"):
                name = os.path.basename(rel)
                if name not in refs and not name.endswith(".tmp"):
                    out.append("blob %s has no object referring to it" % rel)
            base = os.path.join(self.daemon.data, "partial")
            for tid in sorted(os.listdir(base)):
                t = tasks.get(tid)
                if t is None:
                    out.append("partial/%s belongs to no task" % tid)
                elif t["state"] in ("finished", "cancelled"):
                    # A failed task keeps its bytes: a resume retries it
                    # from there with a Range request.
                    out.append("partial/%s left for a %s task"
                               % (tid, t["state"]))
            return out
        found = []

        def clean():
            found[:] = problems()
            return not found
        wait_for(clean, 5, 0.25)
        for p in found:
            self.violation(p)

    def check_counters(self):
        """GET /task/state_counter against a scan of the list, retried while
        the load moves tasks between the two reads."""
        last = None
        for _ in range(20):
            st1, c1 = self.daemon.api.call("GET", "/task/state_counter")
            tasks = self.list_tasks()
            st2, c2 = self.daemon.api.call("GET", "/task/state_counter")
            scan = {s: 0 for s in COUNTED}
            for t in tasks:
                scan[t["state"]] = scan.get(t["state"], 0) + 1
            scan["all"] = len(tasks)
            got = {k: c1["detail"].get(k) for k in scan}
            if got == scan:
                return
            last = (got, scan)
            if c1 == c2:
                time.sleep(0.05)  # a retry of a racing read, bounded above
        self.violation("state counters %s, scan of the list %s" % last)

    def callback_hits(self):
        hits = []
        with open(self.receiver_log) as f:
            for line in f:
                try:
                    hits.append(json.loads(line))
                except ValueError:
                    pass
        return hits

    @staticmethod
    def callback_task(hit):
        try:
            body = json.loads(hit["body"])
        except ValueError:
            return None
        task = body.get("Task")
        if task is None:
            for v in body.values():
                if isinstance(v, dict) and "Task" in v:
                    task = v["Task"]
                    break
        return task.rsplit("/", 1)[-1] if task else None

    def check_callbacks(self, final):
        # The log first, then the list: a task the daemon ends between the
        # two reads is then seen ended, never the other way round.
        hits = self.callback_hits()
        by_tid = {t["tid"]: t for t in self.list_tasks()}
        delivered = {}
        for h in hits:
            tid = self.callback_task(h)
            if tid is None:
                self.violation("callback %s without a task: %s"
                               % (h["path"], h["body"][:200]))
                continue
            t = by_tid.get(tid)
            state = t["state"] if t else "missing"
            if state == "missing" and self.tasks.get(tid) and \
                    self.tasks[tid].deleted:
                state = "deleted"
            want = {"/ok": ("finished", "deleted"),
                    "/fail": ("failed", "deleted")}.get(h["path"], ())
            if state not in want:
                self.violation("callback %s for task %s, which is %s"
                               % (h["path"], tid, state))
            if h["answer"] == 200:
                delivered.setdefault(tid, set()).add(
                    h["headers"].get("x-skyhaul-event-id"))
        self.delivered = delivered
        if not final:
            return
        for tid, t in self.tasks.items():
            cur = by_tid.get(tid)
            if t.deleted or cur is None:
                continue
            owed = (cur["state"] == "finished" and t.cb_success) or \
                   (cur["state"] == "failed" and t.cb_failure)
            if owed and tid not in delivered:
                self.violation("task %s is %s, its callback was never "
                               "delivered" % (tid, cur["state"]))

    def check_readers(self, dead_pids):
        if not shutil.which("mdb_stat"):
            return
        r = subprocess.run(["mdb_stat", "-r", os.path.join(self.daemon.data,
                                                           "db")],
                           capture_output=True, timeout=30)
        if b"Reader Table Status" not in r.stdout:
            self.violation("mdb_stat -r failed: " + r.stderr.decode()[-200:])
            return
        for line in r.stdout.decode().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0].isdigit():
                if int(parts[0]) in dead_pids:
                    self.violation("LMDB readers table lists the killed "
                                   "daemon (pid %s)" % parts[0])

    def check(self, final=False, dead_pids=()):
        with self.gate:
            return self.check_all(final, dead_pids)

    def check_all(self, final, dead_pids):
        by_tid = {t["tid"]: t for t in self.list_tasks()}
        with self.lock:
            self.ended |= {k for k, t in by_tid.items() if t["state"] in ENDED}
            tasks = list(self.tasks.values())
        for t in tasks:
            cur = by_tid.get(t.tid)
            if t.deleted:
                if cur is not None:
                    self.violation("task %s was deleted, yet it is %s"
                                   % (t.tid, cur["state"]))
                continue
            if cur is None:
                if not t.unsure:
                    self.violation("acknowledged task %s (%s) is gone"
                                   % (t.tid, t.kind))
                continue
            if cur["state"] not in LEGAL:
                self.violation("task %s in illegal state %r"
                               % (t.tid, cur["state"]))
            if t.paused is True and not t.unsure and \
                    cur["state"] != "paused":
                self.violation("task %s was acknowledged paused, now %s"
                               % (t.tid, cur["state"]))
            if t.good and cur["state"] == "failed":
                st, j = self.daemon.api.call("GET", "/task/tid/%s/status"
                                             % t.tid)
                self.violation("task %s (%s, good source) failed: %s"
                               % (t.tid, t.kind, json.dumps(j)[:300]))
        objects = self.check_objects(by_tid, final)
        if self.replicas:
            with self.s3_lock:
                self.replicas.check(by_tid, final)
        self.check_files(by_tid)
        if self.faces:
            gone = {t.tid for t in tasks if t.deleted or t.unsure}
            self.faces.check(self.daemon, by_tid, gone, final)
        self.check_counters()
        self.check_callbacks(final)
        self.check_readers(dead_pids)
        return len(by_tid), objects

    # ---- the loop --------------------------------------------------------
    def drain(self, seconds):
        """Waits (bounded) until every task not held paused has ended,
        every owed callback has arrived and every owed replica is in."""
        def quiet():
            try:
                tasks = self.list_tasks()
            except OSError:
                return False
            busy = [t for t in tasks if t["state"] in ("waiting",
                                                       "downloading")]
            if busy:
                return False
            if self.replicas and self.replicas.pending(tasks):
                return False
            self.check_callbacks(False)
            for t in tasks:
                mine = self.tasks.get(t["tid"])
                if mine and ((t["state"] == "finished" and mine.cb_success)
                             or (t["state"] == "failed" and mine.cb_failure)) \
                        and t["tid"] not in self.delivered:
                    return False
            return True
        return wait_for(quiet, seconds, 0.25)

    def outage_loop(self):
        """Takes s3rver down at random moments for 1-6 s while the load
        runs (the replicas owed then must be retried, not lost), and
        brings it back on its port."""
        a = self.args
        while not self.stop_load.wait(self.outage_rng.uniform(
                a.outage_gap_min, a.outage_gap_max)):
            with self.s3_lock:
                self.s3.stop()
                self.outages += 1
                down = self.outage_rng.uniform(1.0, 6.0)
                t0 = time.monotonic()
                self.stop_load.wait(down)
                try:
                    self.s3.start()
                except SystemExit as e:
                    self.violation("s3rver outage %d: it did not come back: "
                                   "%s" % (self.outages, e))
                    return
                finally:
                    self.outage_s += time.monotonic() - t0

    def run(self):
        a = self.args
        print("chaos: seed %d, %d kills, gaps %.1f-%.1f s, data in %s"
              % (a.seed, a.kills, a.gap_min, a.gap_max, self.tmp), flush=True)
        if self.daemon.start() is None:
            raise SystemExit("skyhauld did not start; see " + self.daemon.log)
        self.daemon_up.set()
        threads = [threading.Thread(target=self.load_loop, daemon=True)
                   for _ in range(a.threads)]
        if self.faces:
            self.faces.setup_tracker(self.daemon)
            threads.append(threading.Thread(target=self.tracker_loop,
                                            daemon=True))
        if self.replicas and a.s3_outages:
            threads.append(threading.Thread(target=self.outage_loop,
                                            daemon=True))
        for t in threads:
            t.start()
        kills = 0
        restart_max = 0.0
        for i in range(a.kills):
            gap = self.rng.uniform(a.gap_min, a.gap_max)
            time.sleep(gap)  # the random moment of the kill is the point
            pid = self.daemon.proc.pid
            self.daemon_up.clear()
            self.daemon.kill()
            took = self.daemon.start()
            if took is None:
                self.violation("restart %d: skyhauld did not come back: %s"
                               % (i + 1, open(self.daemon.log, "rb").read()
                                  [-500:].decode("latin-1")))
                break
            kills += 1
            restart_max = max(restart_max, took)
            self.daemon_up.set()
            try:
                n, objects = self.check(dead_pids={pid})
            except OSError as e:
                self.violation("restart %d: checks could not read: %s"
                               % (i + 1, e))
                continue
            print("kill %d after %.2f s: restarted in %.2f s; %d tasks, %d "
                  "objects, %d violations" % (i + 1, gap, took, n, objects,
                                              len(self.violations)),
                  flush=True)
        self.stop_load.set()
        for t in threads:
            t.join(timeout=30)
        drained = self.drain(a.drain)
        if not drained:
            print("note: not everything ended within %d s of the last kill"
                  % a.drain)
        n, objects = self.check(final=True)
        hits = self.callback_hits()
        events = {h["headers"].get("x-skyhaul-event-id") for h in hits
                  if h["answer"] == 200}
        print("kills survived: %d of %d" % (kills, a.kills))
        print("tasks: %d in the list, %d creates acknowledged, %d unanswered"
              % (n, self.acked_creates, self.unanswered))
        print("objects verified: %d (%d read back byte-exact; %d checks "
              "excused an object a later writer's delete took)"
              % (objects, len(self.verified), self.excused_blobs))
        print("callbacks delivered: %d events (%d requests)"
              % (len(events), len(hits)))
        if self.faces:
            print(self.faces.summary())
        if self.replicas:
            print(self.replicas.summary())
            print("s3rver outages: %d (%.1f s down in all); multipart "
                  "uploads left open on it: %d"
                  % (self.outages, self.outage_s, self.s3.open_uploads()))
        print("slowest restart: %.2f s" % restart_max)
        print("violations: %d" % len(self.violations))
        for v in self.violations:
            print("  - " + v)
        return 1 if self.violations or kills < a.kills else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kills", type=int, default=50)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--skyhauld",
                   default=os.path.join(ROOT, "build", "bin", "skyhauld"))
    p.add_argument("--gap-min", type=float, default=0.2)
    p.add_argument("--gap-max", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--live", type=int, default=12,
                   help="at most this many tasks in flight")
    p.add_argument("--drain", type=int, default=60,
                   help="seconds the end waits for tasks and callbacks")
    p.add_argument("--no-torrents", dest="torrents", action="store_false")
    p.add_argument("--no-faces", dest="faces", action="store_false",
                   help="no Offcloud, community or tracker load")
    p.add_argument("--no-replicas", dest="replicas", action="store_false",
                   help="no IDCs, no s3rver")
    p.add_argument("--no-s3-outages", dest="s3_outages",
                   action="store_false",
                   help="keep s3rver up for the whole run")
    p.add_argument("--outage-gap-min", type=float, default=5.0)
    p.add_argument("--outage-gap-max", type=float, default=20.0)
    p.add_argument("--s3rver", default=chaos_replicas.S3RVER,
                   help="the s3rver executable (npm)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir")
    a = p.parse_args()
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1 << 31)
    tmp = tempfile.mkdtemp(prefix="skyhaul-chaos-")
    c = Chaos(a, tmp)
    rc = 1
    try:
        c.setup()
        rc = c.run()
    finally:
        c.teardown()
        if a.keep or rc:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("replay: %s --kills %d --seed %d" % (sys.argv[0], a.kills, a.seed))
    sys.exit(rc)


if __name__ == "__main__":
    main()
