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

  // The torrent panel: its figures, the file picker (built once per file
  // list and updated in place, so a box the user is on keeps its focus and
  // an unapplied choice survives the live updates) and the peers.
  const bt_figures = h("dl.kv");
  const pick_box = h("div", { id: "task-pick" });
  const peers_box = h("div", { id: "task-peers" });
  fill(torrent, bt_figures, h("h3", { id: "h-pick" }, "Files of the torrent"), pick_box,
    h("h3", { id: "h-peers" }, "Peers"), peers_box);
  let picker = null;
  let dirty = false;

  const can_choose = (t) => !!t.torrent && t.torrent.metadata === "received"
    && (t.torrent.files || []).length > 0 && t.state !== "finished" && t.state !== "cancelled";

  function build_picker(list, key, open) {
    const rows = list.map((f, i) => {
      const box = h("input", { type: "checkbox", id: "pick-" + i, value: String(i), disabled: !open,
        "aria-describedby": "pick-size-" + i, onchange: () => { dirty = true; update_apply(); } });
      const bar = progress(0);
      bar.setAttribute("aria-label", "Progress of " + f.name);
      const done = h("td.num", { "data-label": "Done" });
      const row = h("tr", {},
        h("td", { "data-label": "Want" }, box),
        h("td.title", { "data-label": "File" }, h("label.inline", { for: "pick-" + i }, f.name)),
        h("td.num", { "data-label": "Size", id: "pick-size-" + i }, bytes(f.size)),
        done,
        h("td", { "data-label": "Progress" }, bar));
      return { box, bar, done, row, size: f.size };
    });
    const note = h("span.muted", { id: "pick-note", role: "status", "aria-live": "polite" });
    const waiting = !!(status.torrent && status.torrent.awaiting_file_choice);
    const apply = h("button", { type: "button", id: "task-files-apply", onclick: apply_choice },
      waiting ? "Start with these files" : "Apply file choice");
    const all = (on) => () => { rows.forEach((r) => { r.box.checked = on; }); dirty = true; update_apply(); };
    fill(pick_box,
      waiting && h("p", { id: "pick-waiting", role: "status" },
        "The download waits for your choice: pick the files and start it, or resume it to take them all."),
      h("div.table-wrap", {}, h("table.cards", { "aria-labelledby": "h-pick" },
        h("thead", {}, h("tr", {}, h("th", {}, "Want"), h("th", {}, "File"), h("th.num", {}, "Size"),
          h("th.num", {}, "Done"), h("th", {}, "Progress"))),
        h("tbody", {}, rows.map((r) => r.row)))),
      open && h("div.row.pick-actions", {},
        h("button.ghost", { type: "button", id: "pick-all", onclick: all(true) }, "Select all"),
        h("button.ghost", { type: "button", id: "pick-none", onclick: all(false) }, "Select none"),
        apply, note));
    picker = { key, rows, apply, note, open, waiting };
  }

  function update_apply() {
    if (!picker || !picker.open) return;
    const chosen = picker.rows.filter((r) => r.box.checked);
    const total = chosen.reduce((n, r) => n + r.size, 0);
    picker.note.textContent = chosen.length
      ? `${chosen.length} of ${picker.rows.length} files, ${bytes(total)}${dirty ? " (not applied yet)" : ""}`
      : "Choose at least one file.";
    picker.apply.disabled = (!dirty && !picker.waiting) || chosen.length === 0;
  }

  async function apply_choice() {
    const files = picker.rows.map((r, i) => (r.box.checked ? i : -1)).filter((i) => i >= 0);
    picker.apply.disabled = true;
    try {
      const r = await call("PUT", `/task/tid/${tid}/files`, { json: { files } });
      dirty = false;
      status = r.detail || status;
      paint();
      toast("File choice applied");
    } catch (e) {
      toast("Could not apply the file choice: " + e.message, true);
      update_apply();
    }
  }

  function paint_files(bt) {
    const list = bt.files || [];
    if (!list.length) {
      picker = null;
      fill(pick_box, h("p.muted", {}, bt.metadata === "fetching" ? "The file list comes with the metadata." : "No files."));
      return;
    }
    const open = can_choose(status);
    const key = list.map((f) => f.name).join("\n") + (open ? "|open" : "|closed")
      + (bt.awaiting_file_choice ? "|waiting" : "");
    if (!picker || picker.key !== key) {
      dirty = false;
      build_picker(list, key, open);
    }
    list.forEach((f, i) => {
      const r = picker.rows[i];
      if (!dirty) r.box.checked = !!f.wanted;
      update_progress(r.bar, Number(f.progress), f.done >= f.size ? "finished" : "");
      r.done.textContent = bytes(f.done_bytes ?? f.done);
    });
    update_apply();
  }

  function paint_peers(bt) {
    const list = bt.peer_list || [];
    fill(peers_box, list.length
      ? h("div.table-wrap", {}, h("table.cards", { "aria-labelledby": "h-peers" },
        h("thead", {}, h("tr", {}, h("th", {}, "Address"), h("th", {}, "Client"), h("th", {}, "Has"),
          h("th.num", {}, "Down"), h("th.num", {}, "Up"))),
        h("tbody", {}, list.map((p) => {
          const has = progress(100 * Number(p.progress));
          has.setAttribute("aria-label", "Share of the torrent " + p.ip + " has");
          return h("tr", {},
            h("td.mono", { "data-label": "Address" }, (p.ip.includes(":") ? `[${p.ip}]` : p.ip) + ":" + p.port),
            h("td", { "data-label": "Client" }, p.client || "–"),
            h("td", { "data-label": "Has" }, has),
            h("td.num", { "data-label": "Down" }, speed(p.down_speed)),
            h("td.num", { "data-label": "Up" }, speed(p.up_speed)));
        }))))
      : h("p.muted", {}, status.state === "downloading" ? "No peer is connected." : "Peers show while the torrent runs."));
  }

  function paint_torrent() {
    const bt = status.torrent;
    const panel = root.querySelector("#torrent-panel");
    panel.hidden = !bt;
    if (!bt) return;
    fill(bt_figures, kv([
      ["Info-hash", h("span.mono", {}, bt.info_hash)],
      ["Metadata", bt.metadata],
      ["Peers", String(status.peers ?? bt.peers)],
      ["Seeds", String(bt.seeds)],
      ["Wanted", bt.metadata === "received" ? `${bytes(bt.wanted_size)} of ${bytes(bt.total_size)}` : undefined],
      ["Upload speed", speed(bt.upload_speed)],
      ["Uploaded", bytes(bt.uploaded)],
      ["Checking", bt.checking ? "yes" : undefined],
    ]));
    paint_files(bt);
    paint_peers(bt);
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
