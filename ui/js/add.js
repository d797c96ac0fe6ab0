// Adding downloads: URLs and magnet links one per line, or .torrent files
// dropped or picked, each torrent with a file picker; the options of
// POST /task for all of them.

import { call } from "./api.js";
import { h, fill, bytes, toast } from "./dom.js";
import { torrent_files, base64 } from "./bencode.js";

const RULES = ["override", "ignore", "ignore-same-md5", "ignore-same-sha1", "ignore-same-crc32",
  "ignore-same-checksum", "ignore-same-size"];

let dialog = null;

export function open_add() {
  if (!dialog) dialog = build();
  dialog.reset();
  dialog.el.showModal();
  dialog.el.querySelector("#add-urls").focus();
}

function build() {
  const torrents = []; // {name, buf, files:[{path,size}], boxes:[input]}
  const urls = h("textarea", { id: "add-urls", name: "urls", rows: "4",
    placeholder: "https://example.org/file.iso\nmagnet:?xt=urn:btih:…" });
  const field = (id, label, attrs = {}) => {
    const input = h("input", { id, name: id, ...attrs });
    return [input, h("label", { for: id }, label, input)];
  };
  const [bucket, l_bucket] = field("opt-bucket", "Bucket", { placeholder: "default bucket" });
  const [key, l_key] = field("opt-key", "Key (one file only)");
  const [target, l_target] = field("opt-target", "Target (key prefix)");
  const [md5, l_md5] = field("opt-md5", "Expected MD5", { pattern: "[0-9a-fA-F]{32}", maxlength: "32" });
  const [sha1, l_sha1] = field("opt-sha1", "Expected SHA-1", { pattern: "[0-9a-fA-F]{40}", maxlength: "40" });
  const [crc32, l_crc32] = field("opt-crc32", "Expected CRC32", { pattern: "[0-9a-fA-F]{8}", maxlength: "8" });
  const [size, l_size] = field("opt-size", "Expected size (bytes)", { type: "number", min: "0" });
  const [ok_cb, l_ok_cb] = field("opt-success-cb", "Success callback URL", { type: "url" });
  const [fail_cb, l_fail_cb] = field("opt-failure-cb", "Failure callback URL", { type: "url" });
  const rule = h("select", { id: "opt-rule" }, RULES.map((r) => h("option", { value: r }, r)));
  const paused = h("input", { type: "checkbox", id: "opt-paused" });
  // Magnet links and .torrent URLs wait for a file choice on their task page.
  const pick = h("input", { type: "checkbox", id: "opt-pick-files" });
  const file_input = h("input", { type: "file", id: "add-torrent", accept: ".torrent,application/x-bittorrent", multiple: true,
    onchange: () => { take(file_input.files); file_input.value = ""; } });
  const picked = h("div", { id: "add-torrents" });
  const drop = h("div.drop", { id: "add-drop" }, "Drop .torrent files here, or ",
    h("label.inline", { for: "add-torrent" }, "choose them: ", file_input));
  const result = h("div", { id: "add-result", role: "status", "aria-live": "polite" });
  const submit = h("button", { type: "submit", id: "add-submit" }, "Add");

  for (const ev of ["dragenter", "dragover"]) drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add("over"); });
  for (const ev of ["dragleave", "drop"]) drop.addEventListener(ev, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); take(e.dataTransfer.files); });

  async function take(files) {
    for (const f of files) {
      try {
        if (f.size > 16 << 20) throw new Error("larger than 16 MiB");
        const buf = await f.arrayBuffer();
        const meta = torrent_files(buf);
        const boxes = meta.files.map((file) => h("input", { type: "checkbox", checked: true, value: file.path }));
        torrents.push({ name: f.name, buf, files: meta.files, boxes });
      } catch (e) {
        toast(`${f.name} is not a .torrent file I can read: ${e.message}`, true);
      }
    }
    paint_torrents();
  }

  function paint_torrents() {
    fill(picked, torrents.map((t, i) => h("fieldset.filepick", {},
      h("legend", {}, t.name, " ",
        h("button.ghost", { type: "button", "aria-label": "Remove " + t.name,
          onclick: () => { torrents.splice(i, 1); paint_torrents(); } }, "✕")),
      h("div.row", {},
        h("button.ghost", { type: "button", onclick: () => t.boxes.forEach((b) => (b.checked = true)) }, "All"),
        h("button.ghost", { type: "button", onclick: () => t.boxes.forEach((b) => (b.checked = false)) }, "None")),
      t.files.map((f, j) => h("div", {}, h("label.inline", {}, t.boxes[j], f.path, h("span.muted", {}, " " + bytes(f.size))))))));
  }

  function options() {
    const o = {};
    const set = (name, el) => { if (el.value.trim()) o[name] = el.value.trim(); };
    set("bucket", bucket); set("key", key); set("target", target);
    set("md5", md5); set("sha1", sha1); set("crc32", crc32);
    set("success_callback_url", ok_cb); set("failure_callback_url", fail_cb);
    if (size.value !== "") o.size = Number(size.value);
    if (rule.value !== "override") o.on_key_exist = rule.value;
    if (paused.checked) o.paused = true;
    return o;
  }

  async function send(e) {
    e.preventDefault();
    const lines = urls.value.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
    const jobs = [];
    const o = options();
    const torrent_url = (u) => /^magnet:/i.test(u) || /\.torrent([?#].*)?$/i.test(u);
    for (const url of lines) {
      const body = { url, ...o };
      if (pick.checked && torrent_url(url)) body.pick_files = true;
      jobs.push({ label: url, body });
    }
    for (const t of torrents) {
      const wanted = t.boxes.filter((b) => b.checked).map((b) => b.value);
      if (!wanted.length) { toast(`${t.name}: choose at least one file`, true); return; }
      const body = { torrent: base64(t.buf), ...o };
      if (wanted.length < t.files.length) body.files = wanted;
      jobs.push({ label: t.name, body });
    }
    if (!jobs.length) { toast("Give a URL or magnet link, or a .torrent file", true); return; }
    if (o.key && jobs.length > 1) { toast("A key names one file: use a target for several", true); return; }
    submit.disabled = true;
    const lines_out = [];
    let failed = 0;
    const report = (job, r) => {
      if (r.status === "success") {
        lines_out.push(h("li", {}, job.label, " → ", h("a", { href: "#/task/" + r.tid }, r.tid)));
      } else {
        failed++;
        lines_out.push(h("li", {}, job.label, " → ", h("strong", {}, r.errmsg)));
      }
    };
    try {
      if (jobs.length === 1) {
        // One task: POST /task, whose errors name the field at fault.
        const r = await call("POST", "/task", { json: jobs[0].body }).catch((err) => ({ status: "error", errmsg: err.message }));
        report(jobs[0], r.tid ? { status: "success", tid: r.tid } : r);
      } else {
        // Several: one batch, committed at once; each spec answers in order.
        const r = await call("POST", "/task/batch/create", { json: { tasks: jobs.map((j) => j.body) } });
        jobs.forEach((job, i) => report(job, r.detail[i]));
      }
    } catch (err) {
      failed = jobs.length;
      lines_out.push(h("li", {}, h("strong", {}, err.message)));
    }
    submit.disabled = false;
    fill(result, h("ul", {}, lines_out));
    window.dispatchEvent(new Event("skyhaul:added"));
    if (!failed) {
      toast(jobs.length === 1 ? "Download added" : jobs.length + " downloads added");
      el.close();
    }
  }

  const el = h("dialog", { id: "add-dialog", "aria-labelledby": "add-title" },
    h("form", { method: "dialog", onsubmit: send },
      h("h2", { id: "add-title" }, "Add downloads"),
      h("label", { for: "add-urls" }, "URLs and magnet links, one per line", urls),
      drop, picked,
      h("details", {},
        h("summary", {}, "Options"),
        h("div.grid", {}, l_bucket, l_key, l_target, l_md5, l_sha1, l_crc32, l_size,
          h("label", { for: "opt-rule" }, "When the key exists", rule), l_ok_cb, l_fail_cb),
        h("label.inline", {}, paused, "Add paused"),
        h("label.inline", {}, pick, "Choose the files of magnet links once their metadata is known")),
      result,
      h("div.row.end", {},
        h("button.ghost", { type: "button", onclick: () => el.close() }, "Cancel"), submit)));
  document.body.append(el);
  return {
    el,
    reset() {
      urls.value = "";
      torrents.length = 0;
      paint_torrents();
      fill(result);
    },
  };
}
