#!/usr/bin/python3
"""The web UI in a real browser: headless Chromium, driven by Selenium,
against the real skyhauld on loopback.

  ui_test.py --skyhauld PATH --support DIR --out DIR

Signs in with a password and with an api key, adds a URL and watches its
progress bar move until finished, pauses and resumes, deletes, adds a
torrent with a file choice, a magnet link whose files are picked on its
page once the metadata came (with its peer list); checks the static files' headers, the cookie's
CSRF guard, both widths and dark mode; asserts the console has no errors
and that no request leaves the server's origin. Screenshots go to --out.
Fails (never skips) when Chromium cannot start.
"""
import argparse
import json
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import processes, http, wait_for, forging_site, start_browser  # noqa: E402

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import (NoSuchElementException,
                                            StaleElementReferenceException)
except ImportError as e:
    sys.exit("FAIL: python3-selenium is missing (%s); scripts/install-deps.sh installs it" % e)

PASSWORD = "correct horse battery"
EMAIL = "alice@example.org"


class ui_test:
    def __init__(self, args):
        self.args = args
        self.procs = processes(args.skyhauld, args.support)
        self.shots = args.out
        os.makedirs(self.shots, exist_ok=True)
        self.errors = []
        self.requests = []
        self.checks = 0

    # -- helpers --------------------------------------------------------
    def check(self, cond, what):
        self.checks += 1
        if not cond:
            raise AssertionError(what)

    def wait(self, what, pred, timeout=20):
        try:
            # The pages re-render rows as events come: an element may go
            # stale between finding and reading it; the next poll finds anew.
            return WebDriverWait(self.d, timeout, poll_frequency=0.05,
                                 ignored_exceptions=[NoSuchElementException, StaleElementReferenceException]
                                 ).until(lambda d: pred())
        except Exception as e:
            raise AssertionError("timed out after %d s: %s (%s)" % (timeout, what, type(e).__name__))

    def q(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def qs(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def shot(self, name):
        path = os.path.join(self.shots, name + ".png")
        self.d.save_screenshot(path)
        return path

    def drain_logs(self):
        """Console errors and every URL the page asked for, so far."""
        for entry in self.d.get_log("browser"):
            if entry["level"] == "SEVERE":
                self.errors.append(entry["message"])
        for entry in self.d.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg["method"] == "Network.requestWillBeSent":
                self.requests.append(msg["params"]["request"]["url"])

    def row(self, tid):
        rows = self.qs('#tasks tr[data-tid="%s"]' % tid)
        return rows[0] if rows else None

    def row_state(self, tid):
        r = self.row(tid)
        return r.find_element(By.CSS_SELECTOR, ".state").text if r else None

    def row_percent(self, tid):
        r = self.row(tid)
        if not r:
            return None
        return float(r.find_element(By.CSS_SELECTOR, ".progress").get_attribute("aria-valuenow") or 0)

    def add_urls(self, text, options=None):
        self.q("#add-open").click()
        self.wait("the add dialog", lambda: self.q("#add-dialog").get_attribute("open") is not None)
        box = self.q("#add-urls")
        box.clear()
        box.send_keys(text)
        if options:
            details = self.q("#add-dialog details")
            if details.get_attribute("open") is None:
                details.find_element(By.TAG_NAME, "summary").click()
            for field, value in options.items():
                el = self.q("#" + field)
                el.clear()
                el.send_keys(value)
        self.q("#add-submit").click()
        self.wait("the add dialog to close", lambda: self.q("#add-dialog").get_attribute("open") is None)

    def newest_tid(self, url_part):
        """The tid of the user's task whose URL contains `url_part`."""
        def find():
            r = http("GET", self.base + "/task/list?limit=100&excerpt=false",
                     headers={"Authorization": "Bearer " + self.alice["api_key"]}).json()
            for t in r.get("detail", r.get("tasks", [])):
                if url_part in t.get("url", ""):
                    return t["tid"]
            return None
        return wait_for("a task for " + url_part, find, 10)

    # -- the steps --------------------------------------------------------
    def static_files(self):
        r = http("GET", self.base + "/")
        self.check(r.status == 200, "GET / answers 200, not %d" % r.status)
        self.check(r.headers["content-type"].startswith("text/html"), "index is text/html")
        csp = r.headers.get("content-security-policy", "")
        self.check("default-src 'self'" in csp and "unsafe-inline" not in csp, "strict CSP: " + csp)
        self.check(b"<script" in r.body and b'src="/ui/js/app.js"' in r.body, "the page loads its module")
        self.check(b"http://" not in r.body and b"https://" not in r.body, "the page names no other origin")
        etag = r.headers.get("etag")
        self.check(etag and r.headers.get("cache-control") == "no-cache", "ETag and Cache-Control")
        again = http("GET", self.base + "/", headers={"If-None-Match": etag})
        self.check(again.status == 304 and not again.body, "If-None-Match answers 304")
        js = http("GET", self.base + "/ui/js/app.js")
        self.check(js.status == 200 and js.headers["content-type"].startswith("text/javascript"), "JS type")
        css = http("GET", self.base + "/ui/style.css")
        self.check(css.headers["content-type"].startswith("text/css"), "CSS type")
        svg = http("GET", self.base + "/ui/icon.svg")
        self.check(svg.headers["content-type"] == "image/svg+xml", "SVG type")
        missing = http("GET", self.base + "/ui/nothing.js")
        self.check(missing.status == 404 and missing.json()["status"] == "error", "404 in the Task API shape")
        other = http("GET", self.base + "/no/such/thing")
        self.check(other.status == 404 and "no such path" in other.json()["errmsg"], "other paths as before")

    def sign_in_password(self):
        self.d.get(self.base + "/")
        self.wait("the sign-in form", lambda: self.qs("#login-email"))
        self.shot("signin-1280")
        # By keyboard alone: the e-mail field has the focus, Tab, Enter.
        self.check(self.js("return document.activeElement.id") == "login-email", "the e-mail field has the focus")
        self.d.switch_to.active_element.send_keys(EMAIL + Keys.TAB)
        self.check(self.js("return document.activeElement.id") == "login-password", "Tab reaches the password")
        self.d.switch_to.active_element.send_keys(PASSWORD + Keys.ENTER)
        self.wait("the task table after sign-in", lambda: self.qs("#tasks"))
        self.wait("the signed-in name", lambda: self.q("#who").text == EMAIL)
        self.wait("the live event stream", lambda: self.q("#live").text == "live", 15)
        self.cookie = self.d.get_cookie("connect.sid")
        self.check(self.cookie and self.cookie.get("httpOnly"), "the session cookie is HttpOnly")

    def csrf(self):
        """The cookie changes state only for requests from the UI's own pages."""
        cookie = "connect.sid=" + self.cookie["value"]
        body = json.dumps({"url": self.origin + "/file/1000"})
        host = self.base[len("http://"):]
        evil = http("POST", self.base + "/task", body, {"Cookie": cookie, "Origin": "http://evil.example",
                                                         "Content-Type": "application/json"})
        self.check(evil.status == 401, "a cross-origin POST with the cookie is refused, got %d" % evil.status)
        bare = http("POST", self.base + "/task", body, {"Cookie": cookie, "Content-Type": "application/json"})
        self.check(bare.status == 401, "a POST with the cookie and no Origin nor X-Requested-With is refused")
        own = http("POST", self.base + "/task/batch/pause", json.dumps({"tids": ["00000000000000000999"]}),
                   {"Cookie": cookie, "Origin": "http://" + host, "Content-Type": "application/json"})
        self.check(own.status == 200, "a same-origin POST with the cookie works, got %d" % own.status)
        listed = http("GET", self.base + "/task/list", headers={"Cookie": cookie})
        self.check(listed.status == 200, "a GET with the cookie works")

    def csrf_in_browser(self):
        """A page of another origin posts forms at skyhauld with the visitor's
        cookie (127.0.0.1 on another port is the same site, so the browser
        sends it): both are refused, and no task comes of it."""
        evil_base, stop_site = forging_site(self.base, self.origin)
        auth = {"Authorization": "Bearer " + self.alice["api_key"]}
        before = http("GET", self.base + "/task/state_counter", headers=auth).json()
        try:
            self.drain_logs()
            self.d.get(evil_base + "/ui")
            self.wait("the forged post's answer", lambda: self.d.current_url.startswith(self.base), 10)
            text = self.q("body").text
            self.check("own pages" in text, "the cookie came and the guard refused it: " + text)
            self.d.get(evil_base + "/task")
            self.wait("the forged task's answer", lambda: self.d.current_url.startswith(self.base + "/task"), 10)
            text = self.q("body").text
            self.check('"status":"error"' in text, "the forged task is refused: " + text)
            after = http("GET", self.base + "/task/state_counter", headers=auth).json()
            count = lambda r: (r.get("detail") or r.get("counters"))["all"]
            self.check(count(after) == count(before), "no task came of the forged posts")
            posts = http("GET", self.base + "/ui/api/community/post", headers=auth).json()
            self.check(posts["data"]["totalCount"] == 0, "no post came of the forged posts")
        finally:
            # The refusals are the point here: their console lines and the
            # other origin's requests are not the UI's.
            self.d.get_log("browser")
            self.d.get_log("performance")
            stop_site()
        self.d.get(self.base + "/")
        self.wait("the task table again", lambda: self.qs("#tasks"), 10)

    def url_progress(self):
        """Two URLs at once with options: one slow enough to watch, one that
        fails; then the failure in words and the callback log."""
        slow = self.origin + "/slow/3000000?bps=700000&name=slow.bin"
        missing = self.origin + "/status/404"
        # The origin answers POST with 501: every callback is a failed attempt.
        hook = self.origin + "/hook"
        self.add_urls(slow + "\n" + missing, {"opt-bucket": "media", "opt-target": "ui",
                                              "opt-success-cb": hook, "opt-failure-cb": hook})
        tid = self.newest_tid("/slow/3000000")
        bad = self.newest_tid("/status/404")
        self.wait("the new row", lambda: self.row(tid) is not None, 10)
        seen = set()

        def moving():
            p = self.row_percent(tid)
            if p is not None and 0 < p < 100:
                seen.add(p)
            return len(seen) >= 2
        self.wait("the progress bar to move (saw %s)" % sorted(seen), moving, 20)
        self.shot("tasks-progress-1280")
        self.wait("the task to finish", lambda: self.row_state(tid) == "finished", 30)
        self.check(self.row_percent(tid) == 100.0, "a finished bar is full")
        self.check(len(seen) >= 2, "the bar showed at least two values between 0 and 100: %s" % sorted(seen))
        self.wait("the failed one", lambda: self.row_state(bad) == "failed", 20)
        # The failure in words, on the task's page.
        self.q('#tasks tr[data-tid="%s"] td.title a' % bad).click()
        self.wait("the error in words", lambda: "does not exist" in self.q("#task-error").text, 10)
        self.d.back()
        # The finished one: its object under the target, its callback log.
        self.wait("the table", lambda: self.row(tid) is not None, 10)
        self.q('#tasks tr[data-tid="%s"] td.title a' % tid).click()
        self.wait("the file's object", lambda: "media/ui/slow.bin" in self.q("#task-files").text, 10)
        self.wait("a logged callback attempt", lambda: "501" in self.q("#task-callbacks").text, 20)
        self.q("#task-redeliver").click()
        self.wait("the redeliver", lambda: "queued again" in self.q("#toasts").text, 10)
        self.d.get(self.base + "/#/tasks")
        self.wait("the table", lambda: self.row(tid) is not None, 10)
        self.finished_tid = tid
        self.failed_tid = bad

    def pause_resume_delete(self):
        url = self.origin + "/slow/40000000?bps=1000000"
        self.add_urls(url)
        tid = self.newest_tid("/slow/40000000")
        self.wait("the second download to run", lambda: (self.row_percent(tid) or 0) > 0, 20)
        row = self.row(tid)
        row.find_element(By.XPATH, ".//button[text()='Pause']").click()
        self.wait("paused", lambda: self.row_state(tid) == "paused", 10)
        st = http("GET", self.base + "/task/tid/%s/status" % tid,
                  headers={"Authorization": "Bearer " + self.alice["api_key"]}).json()
        state = (st.get("detail") or st.get("task"))["state"]
        self.check(state == "paused", "the server says paused, not " + state)
        before = self.row_percent(tid)
        self.row(tid).find_element(By.XPATH, ".//button[text()='Resume']").click()
        self.wait("downloading again", lambda: self.row_state(tid) == "downloading"
                  and (self.row_percent(tid) or 0) > before, 20)
        # Delete it with its data, through the confirm dialog.
        self.row(tid).find_element(By.XPATH, ".//button[text()='Delete']").click()
        self.wait("the confirm dialog", lambda: self.qs("dialog[open] input[name=del_file]"))
        self.q("dialog[open] input[name=del_file]").click()
        self.q("dialog[open] button.danger").click()
        self.wait("the row to go", lambda: self.row(tid) is None, 10)
        gone = http("GET", self.base + "/task/tid/%s/status" % tid,
                    headers={"Authorization": "Bearer " + self.alice["api_key"]})
        self.check(gone.status == 404, "the deleted task is gone, got %d" % gone.status)

    def torrent_choice(self):
        torrent, made = self.procs.start_swarm("pack", [("a.bin", 300000), ("b.bin", 200000)])
        self.torrent_path, self.made = torrent, made
        self.q("#add-open").click()
        self.wait("the add dialog", lambda: self.q("#add-dialog").get_attribute("open") is not None)
        self.q("#add-torrent").send_keys(torrent)
        self.wait("the file picker", lambda: len(self.qs("#add-torrents input[type=checkbox]")) == 2)
        boxes = {b.get_attribute("value"): b for b in self.qs("#add-torrents input[type=checkbox]")}
        self.check(set(boxes) == {"pack/a.bin", "pack/b.bin"}, "the picker lists the files: %s" % list(boxes))
        boxes["pack/b.bin"].click()
        self.shot("add-torrent-1280")
        self.q("#add-submit").click()
        self.wait("the add dialog to close", lambda: self.q("#add-dialog").get_attribute("open") is None)
        r = http("GET", self.base + "/task/list?limit=100&excerpt=false",
                 headers={"Authorization": "Bearer " + self.alice["api_key"]}).json()
        tasks = r.get("detail", r.get("tasks", []))
        tid = max(t["tid"] for t in tasks)
        self.wait("the torrent to finish", lambda: self.row_state(tid) == "finished", 40)
        self.q('#tasks tr[data-tid="%s"] td.title a' % tid).click()
        self.wait("the task page's files", lambda: self.qs("#task-files a"), 10)
        names = [a.text for a in self.qs("#task-files a")]
        self.check(names == ["pack/a.bin"], "only the chosen file is stored: %s" % names)
        want = [f for f in made["files"] if f["path"] == "pack/a.bin"][0]
        self.wait("the digests", lambda: want["sha1"] in self.q("#task-files").text, 5)
        self.wait("the torrent panel", lambda: not self.q("#torrent-panel").get_attribute("hidden"), 5)
        self.shot("task-page-1280")
        # The signed link downloads the bytes from this server.
        href = self.q("#task-files a").get_attribute("href")
        got = http("GET", href)
        self.check(got.status == 200 and len(got.body) == 300000, "the file's link serves it")
        # Served on the UI's origin, a downloaded page must not act as it.
        self.check(got.headers.get("content-security-policy") == "sandbox"
                   and got.headers.get("x-content-type-options") == "nosniff",
                   "downloads are sandboxed: %s" % got.headers)

    def torrent_pick_later(self):
        """A magnet link's files chosen on the task's page once its metadata
        came, by keyboard; the peer list and per-file progress show."""
        _, made = self.procs.start_swarm("later", [("one.bin", 1500000), ("two.bin", 40000)])
        magnet = made["magnet"] + "&x.pe=" + made["peer"]
        self.d.get(self.base + "/#/tasks")
        self.wait("the task table", lambda: self.qs("#tasks"))
        self.add_urls(magnet)
        tid = self.newest_tid(made["info_hash"])
        self.d.get(self.base + "/#/task/" + tid)
        self.wait("the file picker", lambda: len(self.qs("#task-pick input[type=checkbox]")) == 2, 30)
        boxes = self.qs("#task-pick input[type=checkbox]")
        names = [self.q('label[for="%s"]' % b.get_attribute("id")).text for b in boxes]
        self.check(sorted(names) == ["later/one.bin", "later/two.bin"], "the picker lists the files: %s" % names)
        self.check(all(b.is_selected() and b.is_enabled() for b in boxes), "every file is wanted at first")
        self.check("1.43 MiB" in self.q("#task-pick").text, "the picker shows the sizes")
        self.wait("the peer list", lambda: made["peer"].split(":")[1] in self.q("#task-peers").text, 20)
        self.check("127.0.0.1" in self.q("#task-peers").text, "the peer's address shows")
        self.wait("one.bin's progress", lambda: float(
            self.qs("#task-pick .progress")[names.index("later/one.bin")].get_attribute("aria-valuenow") or 0) > 0, 20)
        self.check(self.q("#task-files-apply").get_attribute("disabled") is not None,
                   "nothing to apply before a change")
        # By keyboard: the big file's box, space, then the apply button.
        big = boxes[names.index("later/one.bin")]
        self.js("arguments[0].focus()", big)
        big.send_keys(Keys.SPACE)
        self.wait("the box unticked", lambda: not big.is_selected(), 5)
        self.check("not applied yet" in self.q("#pick-note").text, "the note says the choice is pending")
        self.shot("task-pick-1280")
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
        self.wait("the narrow layout", lambda: self.js("return innerWidth") == 390)
        overflow = self.js("return document.documentElement.scrollWidth - innerWidth")
        self.check(overflow <= 0, "the task page fits 390 px (%d px too wide)" % overflow)
        self.js("arguments[0].scrollIntoView()", self.q("#task-pick"))
        self.check(big.is_displayed() and self.q("#task-files-apply").is_displayed(),
                   "the picker's boxes and button show at 390 px")
        self.shot("task-pick-390")
        self.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        self.wait("the wide layout", lambda: self.js("return innerWidth") > 1000)
        self.js("arguments[0].focus()", self.q("#task-files-apply"))
        self.check(self.js("return document.activeElement.id") == "task-files-apply", "the apply button takes the focus")
        self.q("#task-files-apply").send_keys(Keys.ENTER)
        auth = {"Authorization": "Bearer " + self.alice["api_key"]}
        self.wait("the task to finish with the one file", lambda: http(
            "GET", self.base + "/task/tid/%s/status" % tid, headers=auth).json()["detail"]["state"] == "finished", 40)
        st = http("GET", self.base + "/task/tid/%s/status" % tid, headers=auth).json()["detail"]
        self.check(st["total_bytes"] == 40000, "only two.bin is wanted: %s" % st["total_bytes"])
        self.wait("the stored file on the page", lambda: [a.text for a in self.qs("#task-files a")] == ["later/two.bin"], 10)
        self.shot("task-picked-1280")
        # The later steps count the tasks of the earlier ones.
        self.check(http("DELETE", self.base + "/task/tid/" + tid, headers=auth).status == 200, "the task goes")

    def search_sort_batch(self):
        """Search, sort by name, then select two tasks and delete them in
        one batch (their objects stay)."""
        self.d.get(self.base + "/#/tasks")
        names = lambda: [a.text for a in self.qs("#tasks td.title a")]
        self.wait("three tasks", lambda: len(names()) == 3, 10)
        self.q("#f-search").send_keys("slow")
        self.wait("the search", lambda: names() == ["slow.bin"], 10)
        self.check("matching" in self.q("#pager-text").text, "the pager counts matches")
        self.q("#f-search").clear()
        self.q("#f-search").send_keys(" ")
        self.wait("the search cleared", lambda: len(names()) == 3, 10)
        self.q('button.sort[data-col="title"]').click()
        self.wait("sorted by name", lambda: names() == sorted(names(), key=str.lower), 5)
        self.q('button.sort[data-col="title"]').click()
        self.wait("sorted by name, descending", lambda: names() == sorted(names(), key=str.lower, reverse=True), 5)
        pick = [self.finished_tid, self.failed_tid]
        for tid in pick:
            self.row(tid).find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
        self.wait("two selected", lambda: "2 selected" in self.q(".toolbar").text, 5)
        self.q(".toolbar").find_element(By.XPATH, ".//button[text()='Delete selected']").click()
        self.wait("the confirm dialog", lambda: self.qs("dialog[open] button.danger"))
        self.q("dialog[open] button.danger").click()
        self.wait("both rows gone", lambda: all(self.row(t) is None for t in pick), 10)
        auth = {"Authorization": "Bearer " + self.alice["api_key"]}
        for tid in pick:
            self.check(http("GET", self.base + "/task/tid/%s/status" % tid, headers=auth).status == 404,
                       "batch-deleted task %s is gone" % tid)

    def widths_and_dark(self):
        self.d.get(self.base + "/#/tasks")
        self.wait("the task table", lambda: self.qs("#tasks tbody tr[data-tid]"))
        # A phone's viewport (headless windows do not get narrower than 500 px).
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
        self.wait("the narrow layout", lambda: self.js("return innerWidth") == 390)
        overflow = self.js("return document.documentElement.scrollWidth - innerWidth")
        self.check(overflow <= 0, "no sideways scrolling at 390 px (%d px too wide)" % overflow)
        self.check(self.js("return getComputedStyle(document.querySelector('#tasks thead')).display") == "none",
                   "the table turns into cards at 390 px")
        self.shot("tasks-390-light")
        self.q("#theme").click()
        self.wait("dark mode", lambda: self.js("return document.documentElement.dataset.theme") == "dark")
        bg = self.js("return getComputedStyle(document.body).backgroundColor")
        rgb = [int(x) for x in bg[bg.index("(") + 1:bg.index(")")].split(",")[:3]]
        self.check(sum(rgb) < 150, "a dark background in dark mode: " + bg)
        self.shot("tasks-390-dark")
        self.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        self.wait("the wide layout", lambda: self.js("return innerWidth") > 1000)
        self.shot("tasks-1280-dark")
        self.q("#theme").click()
        self.wait("light mode", lambda: self.js("return document.documentElement.dataset.theme") == "light")
        self.shot("tasks-1280-light")
        # Keyboard: "a" opens the add dialog, Escape closes it.
        self.q("body").send_keys("a")
        self.wait("the add dialog by keyboard", lambda: self.q("#add-dialog").get_attribute("open") is not None)
        self.check(self.js("return document.activeElement.id") == "add-urls", "the focus is in the URL box")
        self.js("document.getElementById('add-dialog').close()")

    def other_pages(self):
        self.d.get(self.base + "/#/buckets")
        self.wait("the bucket list", lambda: self.qs("#buckets a"), 10)
        self.qs("#buckets a")[0].click()
        self.wait("the objects", lambda: self.qs("#objects tbody tr"), 10)
        # Folders first: open one until a file shows.
        for _ in range(3):
            if self.qs("#objects a.button"):
                break
            self.q("#objects td.title a").click()
            self.wait("the folder's objects", lambda: self.qs("#objects a.button") or self.qs("#objects td.title a"), 10)
        self.shot("buckets-1280")
        link = self.q("#objects a.button").get_attribute("href")
        size = self.d.execute_async_script(
            "const done = arguments[1]; fetch(arguments[0]).then(r => r.ok ? r.arrayBuffer() : null)"
            ".then(b => done(b ? b.byteLength : -1), () => done(-2));", link)
        self.check(size > 0, "the object's link downloads it with the cookie (%d bytes)" % size)
        rows = len(self.qs("#objects tbody tr"))
        self.q("#objects tbody tr button.ghost[aria-label^='Delete']").click()
        self.wait("the confirm dialog", lambda: self.qs("dialog[open] button.danger"))
        self.q("dialog[open] button.danger").click()
        self.wait("the object gone", lambda: len(self.qs("#objects tbody tr")) == rows - 1
                  or "Empty" in self.q("#objects").text, 10)
        self.d.get(self.base + "/#/remote")
        self.wait("the remote accounts", lambda: "No remote account" in self.q("#remote-accounts").text, 10)
        self.q("#ra-host").send_keys("127.0.0.1")
        self.q("#ra-port").send_keys("2121")
        self.q("#ra-username").send_keys("ui")
        self.q("#ra-password").send_keys("secret-pass")
        self.q("#remote-add button[type=submit]").click()
        self.wait("the added account", lambda: "127.0.0.1:2121" in self.q("#remote-accounts").text, 10)
        self.q("#remote-accounts button[aria-label^='Remove']").click()
        self.wait("the confirm dialog", lambda: self.qs("dialog[open] button.danger"))
        self.q("dialog[open] button.danger").click()
        self.wait("the account removed", lambda: "No remote account" in self.q("#remote-accounts").text, 10)
        self.d.get(self.base + "/#/community")
        self.wait("the community posts", lambda: "No posts found" in self.q("#posts").text, 10)
        # A post, a rated reply, its .torrent, and a fetch into my bucket.
        self.q("#post-title").send_keys("A pack of two files")
        self.q("#post-content").send_keys("Made for the UI test.")
        self.q("#post-create button[type=submit]").click()
        self.wait("the post's page", lambda: "/#/community/post/" in self.d.current_url, 10)
        self.wait("the post", lambda: self.q("h1").text == "A pack of two files", 10)
        self.q("#reply-content").send_keys("Works for me")
        self.q("#reply-rate option[value='4']").click()
        self.q("#reply-form button[type=submit]").click()
        self.wait("the reply", lambda: "Works for me" in self.q("#threads").text, 10)
        self.wait("the rating", lambda: "rated 4.00" in (self.q("main .stars").get_attribute("aria-label") or ""), 10)
        self.q("#post-torrent").send_keys(self.torrent_path)
        self.q("#post-torrent").find_element(By.XPATH, "ancestor::form//button").click()
        self.wait("the post's info-hash", lambda: self.made["info_hash"].upper() in self.q("main").text, 10)
        self.shot("community-post-1280")
        self.q("#post-fetch").click()
        self.wait("the fetched task's page", lambda: "/#/task/" in self.d.current_url, 10)
        self.d.get(self.base + "/#/community")
        self.wait("the community page", lambda: self.qs("#post-search"), 10)
        self.q("#post-search").send_keys("pack")
        self.q("#post-search").find_element(By.XPATH, "ancestor::form//button").click()
        self.wait("the search finds the post", lambda: "A pack of two files" in self.q("#posts").text, 10)

    def sign_in_key(self):
        self.q("#signout").click()
        self.wait("the sign-in form after sign-out", lambda: self.qs("#login-key"), 10)
        self.check(self.d.get_cookie("connect.sid") is None, "sign-out ends the cookie")
        self.q("#login-key").send_keys(self.procs.admin["api_key"])
        self.q("#key-submit").click()
        self.wait("the admin's task table", lambda: self.qs("#tasks"))
        self.wait("the admin's name", lambda: self.q("#who").text == self.procs.admin["name"])
        self.wait("an empty list for the admin", lambda: "No tasks yet" in self.q("#tasks").text)
        self.wait("the live stream with a key", lambda: self.q("#live").text == "live", 15)

    def run(self):
        try:
            self.base = self.procs.start_daemon()
            self.alice = self.procs.add_user("alice", EMAIL, PASSWORD)
            self.origin = self.procs.start_origin()
            self.static_files()
            self.d = start_browser()
            try:
                steps = [self.sign_in_password, self.csrf, self.csrf_in_browser, self.url_progress, self.pause_resume_delete,
                         self.torrent_choice, self.torrent_pick_later, self.widths_and_dark, self.search_sort_batch, self.other_pages, self.sign_in_key]
                for step in steps:
                    t0 = time.monotonic()
                    try:
                        step()
                    except Exception:
                        self.shot("failed-" + step.__name__)
                        raise
                    finally:
                        self.drain_logs()
                    print("ok %-22s %.1f s" % (step.__name__, time.monotonic() - t0), flush=True)
                self.check(not self.errors, "the console has no errors: %s" % self.errors)
                base = self.base + "/"
                foreign = [u for u in self.requests
                           if not (u.startswith(base) or u.startswith("data:") or u.startswith("blob:"))]
                # The signed download link is on this server too; nothing else may be asked for.
                self.check(not foreign, "every request stays on %s: %s" % (base, foreign))
                self.check(len(self.requests) > 10, "the performance log saw the requests")
            finally:
                self.d.quit()
            print("PASS: %d checks, %d requests, all on %s; screenshots in %s"
                  % (self.checks, len(self.requests), self.base, self.shots))
            return 0
        except Exception as e:
            traceback.print_exc()
            print("FAIL: %s" % e)
            print("skyhauld log tail:\n" + self.procs.daemon_log())
            return 1
        finally:
            self.procs.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--skyhauld", required=True)
    p.add_argument("--support", required=True)
    p.add_argument("--out", required=True)
    sys.exit(ui_test(p.parse_args()).run())


if __name__ == "__main__":
    main()
