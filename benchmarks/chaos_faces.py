"""The Offcloud and community faces in the crash loop (benchmarks/chaos.py):
Offcloud cloud requests, community posts and replies, and a tracker peer
whose transfer must be counted once across the kills.

What the load does, as the admin (its api key, id, credential and passkey
from admin.json):
  - `POST /api/cloud?key=…` with `url=…` (a form, as Offcloud's clients
    send it). An answered request is a task like any other (its task id
    is the request id's sequence number), so the loop's task checks cover
    it; here its Offcloud status is checked against that task;
  - `POST /user/post`, `POST /user/post/<pid>/thread` and
    `DELETE /user/post/<pid>` on the community face;
  - a tracker peer that announces a registered torrent (a post's
    metainfo) every 1.2-2 s with its session's running totals, as a
    client does, whether or not the last announce was answered.

Checked after every restart and at the end:
  - every answered cloud request still answers `/api/cloud/status`, with
    the status its task's state gives (downloaded for a finished task,
    error for a failed one, queued for a paused one), and the link of a
    downloaded one serves the origin's bytes;
  - every answered post is there with its title, every answered reply is
    in its thread, and every answered delete holds;
  - the user's uploaded and downloaded figures never pass the totals the
    peer sent, and at the end, after an answered announce and the
    tracker's flush, equal them: counted once, none lost, none twice.
"""
import hashlib
import http.client
import json
import threading
import time
import urllib.parse

# The daemon's tracker in the loop: announces every 2 s at most once a
# second, counts flushed every 200 ms.
DAEMON_FLAGS = ["--tracker-interval=2", "--tracker-min-interval=1",
                "--tracker-flush-ms=200"]
STATUS_OF_STATE = {"finished": "downloaded", "failed": "error",
                   "cancelled": "canceled", "paused": "queued"}
MOVING = ("queued", "downloading", "downloaded", "error")
MAX_REPLIES = 20  # per post: one page of the thread holds them all


def request(addr, method, path, body=None, headers=None, timeout=10):
    """One request on a fresh connection; (status, body bytes)."""
    host, port = addr.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def as_json(data):
    try:
        return json.loads(data or b"{}")
    except ValueError:
        return {}


def bstr(s):
    return b"%d:%s" % (len(s), s)


class Post:
    def __init__(self, title):
        self.title = title
        self.replies = set()  # answered replies' contents
        self.deleted = False  # an answered delete
        self.unsure = False   # a delete got no answer


class Faces:
    def __init__(self, violation, expected_bytes):
        self.violation = violation
        # expected_bytes(url) -> the bytes the origin serves for `url`.
        self.expected_bytes = expected_bytes
        self.lock = threading.Lock()
        self.rids = {}         # answered cloud request id -> task id
        self.links_read = set()
        self.posts = {}        # answered pid -> Post
        self.replies = 0
        self.post_deletes = 0
        self.unanswered = 0
        self.info_hash = None  # raw 20 bytes of the tracked torrent
        self.peer_id = b"-SC0001-" + hashlib.sha1(b"chaos").digest()[:12]
        self.sent = {"uploaded": 0, "downloaded": 0}  # the peer's totals
        self.announced = 0
        self.answered = 0
        self.started = False

    # ---- the calls -------------------------------------------------------
    @staticmethod
    def community(daemon, method, path, body=None):
        a = daemon.admin
        h = {"id": str(a["id"]), "credential": a["credential"],
             "Content-Type": "application/json"}
        data = json.dumps(body).encode() if body is not None else None
        return request(daemon.listen["api"], method, path, data, h)

    @staticmethod
    def cloud_call(daemon, path, fields):
        body = urllib.parse.urlencode(fields).encode()
        return request(daemon.listen["api"], "POST",
                       path + "?key=" + daemon.admin["api_key"], body,
                       {"Content-Type": "application/x-www-form-urlencoded"})

    # ---- the load --------------------------------------------------------
    def cloud(self, daemon, url):
        """A cloud request; returns its task id once answered, else None."""
        try:
            st, data = self.cloud_call(daemon, "/api/cloud", {"url": url})
        except OSError:
            self.unanswered += 1
            return None
        rid = as_json(data).get("requestId", "")
        if st != 200 or len(rid) != 24:
            return None
        tid = "0000" + rid[8:]
        with self.lock:
            self.rids[rid] = tid
        return tid

    def post(self, daemon, rng):
        title = "chaos %d" % rng.randint(0, 1 << 30)
        try:
            st, data = self.community(daemon, "POST", "/user/post", {
                "title": title, "content": "under the crash loop",
                "enabled": True, "minLevel": {"lid": 1}})
        except OSError:
            self.unanswered += 1
            return
        pid = as_json(data).get("data", {}).get("pid")
        if st == 201 and pid is not None:
            with self.lock:
                self.posts[str(pid)] = Post(title)

    def reply(self, daemon, rng):
        with self.lock:
            pool = [p for p, v in self.posts.items() if not v.deleted
                    and not v.unsure and len(v.replies) < MAX_REPLIES]
        if not pool:
            return
        pid = rng.choice(pool)
        content = "reply %d" % rng.randint(0, 1 << 30)
        try:
            st, _ = self.community(daemon, "POST",
                                   "/user/post/%s/thread" % pid,
                                   {"content": content})
        except OSError:
            self.unanswered += 1
            return
        if st == 201:
            with self.lock:
                self.posts[pid].replies.add(content)
                self.replies += 1

    def delete_post(self, daemon, rng):
        with self.lock:
            pool = [p for p, v in self.posts.items()
                    if not v.deleted and not v.unsure]
        if not pool:
            return
        pid = rng.choice(pool)
        try:
            st, _ = self.community(daemon, "DELETE", "/user/post/" + pid)
        except OSError:
            with self.lock:
                self.posts[pid].unsure = True
            return
        with self.lock:
            if st // 100 == 2:
                self.posts[pid].deleted = True
                self.post_deletes += 1

    def step(self, daemon, rng, origin):
        """One load step of these faces; returns a cloud request's task id
        when it made one (the loop then tracks it as a task)."""
        n = rng.random()
        if n < 0.55:
            size = rng.randint(1, 300000)
            url = origin("/file/%d?name=oc%d.bin" % (size, size))
            tid = self.cloud(daemon, url)
            return (tid, url) if tid else None
        if n < 0.75:
            self.post(daemon, rng)
        elif n < 0.95:
            self.reply(daemon, rng)
        else:
            self.delete_post(daemon, rng)
        return None

    # ---- the tracker peer ------------------------------------------------
    def setup_tracker(self, daemon):
        """A post with a metainfo of its own: the tracker's torrent."""
        st, data = self.community(daemon, "POST", "/user/post", {
            "title": "tracked", "content": "its torrent is announced",
            "enabled": True, "minLevel": {"lid": 1}})
        pid = as_json(data).get("data", {}).get("pid")
        if st != 201 or pid is None:
            raise SystemExit("chaos: cannot make the tracked post: %d %r"
                             % (st, data[:200]))
        info = (b"d6:lengthi5000000e4:name9:chaos.bin12:piece lengthi262144e"
                b"6:pieces" + bstr(b"p" * 20 * 20) + b"e")
        torrent = b"d4:info" + info + b"e"
        boundary = "chaosBoundary0x7E"
        body = (("--%s\r\nContent-Disposition: form-data; name=\"file\"; "
                 "filename=\"chaos.torrent\"\r\nContent-Type: "
                 "application/x-bittorrent\r\n\r\n" % boundary).encode()
                + torrent + ("\r\n--%s--\r\n" % boundary).encode())
        a = daemon.admin
        st, data = request(daemon.listen["api"], "POST",
                           "/user/post/%s/metainfo" % pid, body,
                           {"id": str(a["id"]), "credential": a["credential"],
                            "Content-Type": "multipart/form-data; boundary="
                            + boundary})
        if st != 201:
            raise SystemExit("chaos: cannot upload the tracked metainfo: "
                             "%d %r" % (st, data[:200]))
        # The hash the tracker knows, which the post shows (the upload may
        # rewrite the info, as a private tracker marks it private).
        st, data = self.community(daemon, "GET", "/user/post/%s" % pid)
        hexhash = as_json(data).get("data", {}).get("infoHash") or ""
        if st != 200 or len(hexhash) != 40:
            raise SystemExit("chaos: the tracked post has no info hash: "
                             "%d %r" % (st, data[:200]))
        self.info_hash = bytes.fromhex(hexhash)

    def announce(self, daemon, rng=None):
        """One announce with the session's totals (grown first when `rng`
        is given and the session has started: it starts from 0); True when
        answered without a failure."""
        if self.info_hash is None:
            return False
        if rng is not None and self.started:
            self.sent["uploaded"] += rng.randint(1000, 100000)
            self.sent["downloaded"] += rng.randint(0, 50000)
        # Escaped as clients do: every byte outside the unreserved set as
        # %XX (never '+').
        q = [("info_hash", self.info_hash), ("peer_id", self.peer_id),
             ("port", 6881), ("uploaded", self.sent["uploaded"]),
             ("downloaded", self.sent["downloaded"]), ("left", 0),
             ("compact", 1)]
        if not self.started:
            q.append(("event", "started"))
        path = "/announce/%s?%s" % (daemon.admin["passkey"], "&".join(
            "%s=%s" % (k, urllib.parse.quote(
                v if isinstance(v, bytes) else str(v), safe=""))
            for k, v in q))
        self.announced += 1
        try:
            st, data = request(daemon.listen["api"], "GET", path)
        except OSError:
            return False
        ok = st == 200 and b"failure" not in data
        if ok:
            self.started = True
            self.answered += 1
        return ok

    def figures(self, daemon):
        st, data = self.community(daemon, "GET", "/user/me")
        if st != 200:
            raise OSError("/user/me answered %d" % st)
        d = as_json(data).get("data", {})
        return {k: int(d.get(k) or 0) for k in ("uploaded", "downloaded")}

    # ---- the checks ------------------------------------------------------
    def check(self, daemon, by_tid, gone_tids, final):
        """`by_tid`: the task list read first; `gone_tids`: tasks this
        loop deleted or may have deleted (their requests are not owed)."""
        self.check_cloud(daemon, by_tid, gone_tids)
        self.check_posts(daemon)
        self.check_tracker(daemon, final)

    def check_cloud(self, daemon, by_tid, gone_tids):
        with self.lock:
            rids = dict(self.rids)
        for rid, tid in rids.items():
            if tid in gone_tids:
                continue
            st, data = self.cloud_call(daemon, "/api/cloud/status",
                                       {"requestId": rid})
            j = as_json(data).get("status", {})
            got = j.get("status") if isinstance(j, dict) else None
            if st != 200 or got is None:
                self.violation("cloud request %s answered %d %r"
                               % (rid, st, data[:200]))
                continue
            task = by_tid.get(tid)
            if task is None:
                self.violation("cloud request %s: its task %s is gone"
                               % (rid, tid))
                continue
            want = STATUS_OF_STATE.get(task["state"])
            if want is not None and got != want:
                self.violation("cloud request %s is %s, its task %s"
                               % (rid, got, task["state"]))
            elif want is None and got not in MOVING:
                self.violation("cloud request %s is %s, its task %s"
                               % (rid, got, task["state"]))
            if got == "downloaded" and rid not in self.links_read:
                self.read_link(rid, j, task)

    def read_link(self, rid, status, task):
        link = urllib.parse.urlparse(status.get("url", ""))
        want = self.expected_bytes(task["url"])
        if want is None or not link.netloc:
            return
        path = link.path + ("?" + link.query if link.query else "")
        try:
            st, data = request(link.netloc, "GET", path, timeout=60)
        except OSError:
            return
        if st != 200 or data != want:
            self.violation("cloud request %s: its link gave %d, %d bytes, "
                           "not the origin's %d" % (rid, st, len(data),
                                                    len(want)))
            return
        self.links_read.add(rid)

    def check_posts(self, daemon):
        with self.lock:
            posts = {p: (v.title, set(v.replies), v.deleted, v.unsure)
                     for p, v in self.posts.items()}
        for pid, (title, replies, deleted, unsure) in posts.items():
            st, data = self.community(daemon, "GET", "/user/post/" + pid)
            if deleted:
                if st != 404:
                    self.violation("post %s was deleted, yet answers %d"
                                   % (pid, st))
                continue
            if st == 404 and unsure:
                continue
            got = as_json(data).get("data", {})
            if st != 200 or got.get("title") != title:
                self.violation("post %s answered %d, title %r, not %r"
                               % (pid, st, got.get("title"), title))
                continue
            if not replies:
                continue
            st, data = self.community(
                daemon, "GET", "/user/post/%s/thread?pageSize=100" % pid)
            text = data.decode("utf-8", "replace")
            missing = [r for r in replies if json.dumps(r) not in text]
            if st != 200 or missing:
                self.violation("post %s: %d of its %d answered replies are "
                               "missing (%d)" % (pid, len(missing),
                                                 len(replies), st))

    def check_tracker(self, daemon, final):
        if self.info_hash is None:
            return
        if not final:
            got = self.figures(daemon)
            for k in got:
                if got[k] > self.sent[k]:
                    self.violation("tracker: %s is %d, more than the %d the "
                                   "peer sent" % (k, got[k], self.sent[k]))
            return
        # An answered announce of the final totals, then the flush.
        for _ in range(20):
            if self.announce(daemon):
                break
            time.sleep(1.1)
        else:
            self.violation("tracker: no announce answered at the end")
            return
        last = {}

        def counted():
            last.update(self.figures(daemon))
            return last == self.sent
        end = time.monotonic() + 10
        while not counted() and time.monotonic() < end:
            time.sleep(0.1)
        if last != self.sent:
            self.violation("tracker: counted %r, the peer sent %r"
                           % (last, self.sent))

    def summary(self):
        return ("faces: %d cloud requests (%d links read back), %d posts "
                "(%d deleted), %d replies; tracker %d of %d announces "
                "answered, counted uploaded %d / downloaded %d"
                % (len(self.rids), len(self.links_read), len(self.posts),
                   self.post_deletes, self.replies, self.answered,
                   self.announced, self.sent["uploaded"],
                   self.sent["downloaded"]))
