// One task: its figures, files with download links and digests, a
// torrent's peers and per-file progress, the callback log with redeliver,
// and the error in words when it failed.

import { call } from "./api.js";
import { h, fill, bytes, speed, duration, when, progress, update_progress, toast, ask } from "./dom.js";
import * as events from "./events.js";
import { error_words, can_pause, can_resume, title_of } from "./format.js";

export function task_view(root, tid) {
  let status = null;
  const title = h("h1", {}, tid);
  const state = h("span.state");
  const bar = progress(0);
  const figures = h("dl.kv", { id: "task-figures" });
  const error_box = h("div.error-box", { id: "task-error", role: "alert", hidden: true });
  const actions = h("div.row");
  const files = h("div", { id: "task-files" });
  const torrent = h("div", { id: "task-torrent" });
  const callbacks = h("div", { id: "task-callbacks" });
  const options = h("dl.kv", { id: "task-options" });

  fill(root,
    h("p", {}, h("a", { href: "#/tasks" }, "‹ All tasks")),
    h("div.row", {}, title, state),
    h("div.panel", {}, bar, h("div", { class: "spacer" }), figures, actions),
    error_box,
    h("section.panel", { "aria-labelledby": "h-files" }, h("h2", { id: "h-files" }, "Files"), files),
    h("section.panel", { "aria-labelledby": "h-torrent", id: "torrent-panel", hidden: true },
      h("h2", { id: "h-torrent" }, "Torrent"), torrent),
    h("section.panel", { "aria-labelledby": "h-callbacks" }, h("h2", { id: "h-callbacks" }, "Callbacks"), callbacks),
    h("section.panel", { "aria-labelledby": "h-options" }, h("h2", { id: "h-options" }, "Source and options"), options));

  const kv = (pairs) => pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]);

  function paint() {
    const t = status;
    const name = title_of(t);
    title.textContent = name;
    document.title = name + " – Skyhaul";
    state.textContent = t.state;
    state.className = "state " + t.state;
    update_progress(bar, t.percent, t.state);
    bar.setAttribute("aria-label", "Progress of " + name);
    const running = t.state === "downloading";
    fill(figures, kv([
      ["Task id", h("span.mono", {}, t.tid)],
      ["Done", `${bytes(t.done_bytes)} of ${t.total_bytes >= 0 ? bytes(t.total_bytes) : "unknown"}`],
      ["Speed", running ? speed(t.speed) : "–"],
      ["ETA", running ? duration(t.eta) : "–"],
      ["Peers", t.torrent ? String(t.peers ?? t.torrent.peers ?? 0) : undefined],
      ["Tries", t.tries],
      ["Created", when(t.created)],
      ["Updated", when(t.updated)],
    ]));
    if (t.state === "failed" && t.error) {
      error_box.hidden = false;
      fill(error_box, h("strong", {}, "Why it failed: "), error_words(t.error), " ",
        h("span.muted.mono", {}, "(" + t.error.code + ")"));
    } else {
      error_box.hidden = true;
    }
    fill(actions,
      can_pause(t.state) && h("button.ghost", { type: "button", id: "task-pause", onclick: () => act("pause") }, "Pause"),
      can_resume(t.state) && h("button.ghost", { type: "button", id: "task-resume", onclick: () => act("resume") }, "Resume"),
      h("button.ghost", { type: "button", id: "task-delete", onclick: remove }, "Delete"));
    paint_torrent();
  }

  function paint_torrent() {
    const bt = status.torrent;
    const panel = root.querySelector("#torrent-panel");
    panel.hidden = !bt;
    if (!bt) return;
    fill(torrent,
      h("dl.kv", {}, kv([
        ["Info-hash", h("span.mono", {}, bt.info_hash)],
        ["Metadata", bt.metadata],
        ["Peers", String(status.peers ?? bt.peers)],
        ["Seeds", String(bt.seeds)],
        ["Upload speed", speed(bt.upload_speed)],
        ["Uploaded", bytes(bt.uploaded)],
        ["Checking", bt.checking ? "yes" : undefined],
      ])),
      bt.files && bt.files.length
        ? h("div.table-wrap", {}, h("table.cards", {},
          h("thead", {}, h("tr", {}, h("th", {}, "File"), h("th.num", {}, "Size"), h("th", {}, "Wanted"), h("th", {}, "Progress"))),
          h("tbody", {}, bt.files.map((f) => h("tr", {},
            h("td.title", { "data-label": "File" }, f.name),
            h("td.num", { "data-label": "Size" }, bytes(f.size)),
            h("td", { "data-label": "Wanted" }, f.wanted ? "yes" : "no"),
            h("td", { "data-label": "Progress" }, progress(Number(f.progress), f.wanted ? "" : "paused")))))))
        : h("p.muted", {}, bt.metadata === "fetching" ? "The file list comes with the metadata." : "No files."));
  }

  async function load_status() {
    const r = await call("GET", `/task/tid/${tid}/status`);
    status = r.detail || r.task;
    paint();
  }

  async function load_info() {
    const r = await call("GET", `/task/tid/${tid}/info`);
    const info = r.detail || r.task;
    const list = info.files || [];
    fill(files, list.length
      ? h("div.table-wrap", {}, h("table.cards", {},
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Object"), h("th.num", {}, "Size"), h("th", {}, "Digests"))),
        h("tbody", {}, list.map((f) => h("tr", {},
          h("td.title", { "data-label": "Name" }, f.url ? h("a", { href: f.url, download: f.name.split("/").pop() }, f.name) : f.name),
          h("td.mono", { "data-label": "Object" }, (info.options.bucket || "") + "/" + f.key),
          h("td.num", { "data-label": "Size" }, bytes(f.size)),
          h("td.mono", { "data-label": "Digests" },
            h("div", {}, "md5 " + f.md5), h("div", {}, "sha1 " + f.sha1), h("div", {}, "crc32 " + f.crc32)))))))
      : h("p.muted", {}, "No file is stored yet."));
    const o = info.options || {};
    const src = info.source || {};
    fill(options, kv([
      ["Source", src.kind],
      ["URL", src.url ? h("span.mono", {}, src.url) : undefined],
      ["Info-hash", src.info_hash ? h("span.mono", {}, src.info_hash) : undefined],
      ["Chosen files", src.files && src.files.length ? src.files.join(", ") : undefined],
      ["Bucket", o.bucket], ["Key", o.key], ["Target", o.target],
      ["Expected MD5", o.md5], ["Expected SHA-1", o.sha1], ["Expected CRC32", o.crc32],
      ["Expected size", o.size >= 0 ? bytes(o.size) : undefined],
      ["When the key exists", o.on_key_exist], ["ACL", o.acl],
      ["Success callback", o.success_callback_url], ["Failure callback", o.failure_callback_url],
    ]));
  }

  async function load_callbacks() {
    const r = await call("GET", `/task/tid/${tid}/callbacks`);
    const list = r.detail || r.callbacks || [];
    fill(callbacks,
      list.length ? list.map((cb) => h("div", {},
        h("p", {}, h("strong", {}, cb.kind), " to ", h("span.mono", {}, cb.url), " – ", h("span.state", {}, cb.state),
          " ", h("span.muted", {}, "event " + cb.event_id)),
        h("div.table-wrap", {}, h("table.cards", {},
          h("thead", {}, h("tr", {}, h("th", {}, "Attempt"), h("th", {}, "When"), h("th.num", {}, "HTTP"), h("th", {}, "Error"), h("th.num", {}, "Took"))),
          h("tbody", {}, cb.attempts.map((a) => h("tr", {},
            h("td", { "data-label": "Attempt" }, String(a.attempt)),
            h("td", { "data-label": "When" }, when(a.time_ms)),
            h("td.num", { "data-label": "HTTP" }, a.http_status ? String(a.http_status) : "–"),
            h("td", { "data-label": "Error" }, a.error || ""),
            h("td.num", { "data-label": "Took" }, a.duration_ms + " ms")))))))) : h("p.muted", {}, "No callback for this task."),
      list.length ? h("button.ghost", { type: "button", id: "task-redeliver", onclick: redeliver }, "Redeliver") : null);
  }

  async function redeliver() {
    try {
      await call("POST", `/task/tid/${tid}/callbacks/redeliver`);
      toast("Callback queued again");
      load_callbacks().catch(() => {});
    } catch (e) {
      toast("Could not redeliver: " + e.message, true);
    }
  }

  async function act(what) {
    try {
      await call("PUT", "/task/tid/" + tid, { query: { act: what } });
      await load_status();
    } catch (e) {
      toast(`Could not ${what}: ${e.message}`, true);
    }
  }

  async function remove() {
    const answer = await ask("Delete this task?", "Its stored objects stay unless you tick the box.",
      { ok: "Delete", danger: true, checks: [{ name: "del_file", label: "Also delete the downloaded data" }] });
    if (!answer) return;
    try {
      await call("DELETE", "/task/tid/" + tid, { query: { del_file: answer.del_file ? "true" : "false" } });
      toast("Task deleted");
      location.hash = "#/tasks";
    } catch (e) {
      toast("Could not delete: " + e.message, true);
    }
  }

  // A torrent's per-file figures are not in the progress events: its
  // status is read again as they come, at most every two seconds.
  let last_read = 0;
  const off = events.on((type, d) => {
    if (type === "reset") return load_all();
    if (!d || d.tid !== tid || !status) return;
    if (type === "task.progress") {
      Object.assign(status, { done_bytes: d.done_bytes, total_bytes: d.total_bytes, percent: d.percent,
        speed: d.speed, eta: d.eta });
      if (d.peers !== undefined) status.peers = d.peers;
      if (status.state === "waiting") status.state = "downloading";
      paint();
      if (status.torrent && Date.now() - last_read > 2000) {
        last_read = Date.now();
        load_status().catch(() => {});
      }
    } else if (type === "task.state") {
      load_status().catch(() => {});
      if (d.state === "finished" || d.state === "failed") load_info().catch(() => {});
    } else if (type === "task.file") {
      load_info().catch(() => {});
    } else if (type === "callback.attempt") {
      load_callbacks().catch(() => {});
    } else if (type === "task.removed") {
      toast("This task was deleted");
      location.hash = "#/tasks";
    }
  });

  async function load_all() {
    try {
      await load_status();
      await Promise.all([load_info(), load_callbacks()]);
    } catch (e) {
      fill(root, h("h1", {}, "Task " + tid), h("p.error-box", { role: "alert" }, e.message),
        h("p", {}, h("a", { href: "#/tasks" }, "‹ All tasks")));
    }
  }
  load_all();
  return off;
}
