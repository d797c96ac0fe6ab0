// The community pages (seed 003): posts to browse and search, a post with
// its threads and rating, replies with a rate, a post's .torrent to upload
// or download, and a fetch of it into my bucket. Through /ui/api/community,
// which runs the community face's handlers for the user signed in here.

import { call, download } from "./api.js";
import { h, fill, bytes, when, toast } from "./dom.js";

const BASE = "/ui/api/community/post";

const stars = (rate) => {
  const n = Math.round(Number(rate) || 0);
  return h("span.stars", { "aria-label": `rated ${Number(rate || 0).toFixed(2)} of 5` }, "★".repeat(n) + "☆".repeat(5 - n));
};

export function community_view(root) {
  const q = h("input", { id: "post-search", type: "search", placeholder: "Words in a title or text" });
  const list = h("div", { id: "posts" });
  const pager = h("div.row");
  let page_no = 1;
  const title = h("input", { id: "post-title", required: true, maxlength: "200" });
  const content = h("textarea", { id: "post-content", rows: "3" });
  const create = h("form.panel", { id: "post-create", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await call("POST", BASE, { json: { title: title.value, content: content.value } });
      location.hash = "#/community/post/" + r.data.pid;
    } catch (err) { toast("Could not post: " + err.message, true); }
  } }, h("h2", {}, "New post"),
  h("label", { for: "post-title" }, "Title", title),
  h("label", { for: "post-content" }, "Text", content),
  h("button", { type: "submit" }, "Post"));

  fill(root, h("h1", {}, "Community"),
    h("form.toolbar", { role: "search", onsubmit: (e) => { e.preventDefault(); page_no = 1; load(); } },
      h("label", { for: "post-search" }, "Search posts", q), h("button", { type: "submit" }, "Search")),
    list, pager, create);

  async function load() {
    try {
      const r = await call("GET", BASE, { query: { q: q.value.trim(), pageNo: page_no, pageSize: 20 } });
      const d = r.data;
      fill(list, d.list.length ? d.list.map((p) => h("div.post", {},
        h("a", { href: "#/community/post/" + p.pid }, h("strong", {}, p.title)), " ", stars(p.rate),
        h("div.muted", {}, `by ${p.author ? p.author.username : "?"} · ${when(p.postTime)}`,
          p.infoHash ? ` · torrent ${bytes(p.size)}` : " · no torrent yet")))
        : h("p.muted", {}, "No posts found."));
      const pages = Math.max(1, Math.ceil(d.totalCount / d.pageSize));
      fill(pager,
        h("button.ghost", { type: "button", disabled: page_no <= 1, onclick: () => { page_no--; load(); } }, "‹ Previous"),
        h("span.muted", {}, `page ${page_no} of ${pages}`),
        h("button.ghost", { type: "button", disabled: page_no >= pages, onclick: () => { page_no++; load(); } }, "Next ›"));
    } catch (e) {
      fill(list, h("p.error-box", { role: "alert" }, e.message));
    }
  }
  load();
}

export function post_view(root, pid) {
  const head = h("div");
  const threads = h("div", { id: "threads" });
  const reply = h("textarea", { id: "reply-content", rows: "3", required: true });
  const rate = h("select", { id: "reply-rate" }, h("option", { value: "" }, "no rating"),
    [1, 2, 3, 4, 5].map((n) => h("option", { value: String(n) }, "★".repeat(n))));
  const torrent_input = h("input", { id: "post-torrent", type: "file", accept: ".torrent,application/x-bittorrent" });
  const bucket = h("input", { id: "fetch-bucket", placeholder: "default: user-<id>" });

  fill(root, h("p", {}, h("a", { href: "#/community" }, "‹ All posts")), head,
    h("section.panel", {}, h("h2", {}, "Torrent"),
      h("div.row", {},
        h("button.ghost", { type: "button", id: "post-download", onclick: () => download(`${BASE}/${pid}/metainfo`, `post-${pid}.torrent`).catch((e) => toast("Could not download: " + e.message, true)) }, "Download .torrent"),
        h("label", { for: "fetch-bucket" }, "Into bucket", bucket),
        h("button", { type: "button", id: "post-fetch", onclick: fetch_it }, "Fetch into my bucket")),
      h("form.row", { onsubmit: upload },
        h("label", { for: "post-torrent" }, "Upload a .torrent for this post", torrent_input),
        h("button.ghost", { type: "submit" }, "Upload"))),
    h("section.panel", {}, h("h2", {}, "Threads"), threads,
      h("form", { id: "reply-form", onsubmit: send },
        h("label", { for: "reply-content" }, "Reply", reply),
        h("div.row", {}, h("label", { for: "reply-rate" }, "Rate this post", rate), h("button", { type: "submit" }, "Reply")))));

  async function load() {
    try {
      const p = (await call("GET", `${BASE}/${pid}`)).data;
      document.title = p.title + " – Skyhaul";
      fill(head, h("h1", {}, p.title), h("p", {}, stars(p.rate), " ",
        h("span.muted", {}, `by ${p.author ? p.author.username : "?"} · ${when(p.postTime)}`)),
      h("div.panel", {}, h("p", {}, p.content || h("span.muted", {}, "(no text)")),
        h("dl.kv", {}, h("dt", {}, "Info-hash"), h("dd.mono", {}, p.infoHash || "none yet"),
          h("dt", {}, "Size"), h("dd", {}, p.infoHash ? bytes(p.size) : "–"),
          h("dt", {}, "Level"), h("dd", {}, p.minLevel ? p.minLevel.name || String(p.minLevel.lid) : "everyone"))));
      const t = (await call("GET", `${BASE}/${pid}/thread`, { query: { pageSize: 100 } })).data;
      fill(threads, t.list.length ? t.list.map((th) => h("div.post", {},
        h("div.muted", {}, `${th.replyer ? th.replyer.username : "?"} · ${when(th.postTime)} `, th.rate ? stars(th.rate) : ""),
        h("p", {}, th.content))) : h("p.muted", {}, "No replies yet."));
    } catch (e) {
      fill(head, h("h1", {}, "Post " + pid), h("p.error-box", { role: "alert" }, e.message));
    }
  }

  async function send(e) {
    e.preventDefault();
    try {
      const body = { content: reply.value };
      if (rate.value) body.rate = Number(rate.value);
      await call("POST", `${BASE}/${pid}/thread`, { json: body });
      reply.value = "";
      rate.value = "";
      load();
    } catch (err) { toast("Could not reply: " + err.message, true); }
  }

  async function upload(e) {
    e.preventDefault();
    const f = torrent_input.files[0];
    if (!f) return toast("Choose a .torrent file first", true);
    const form = new FormData();
    form.append("file", f, f.name);
    try {
      await call("POST", `${BASE}/${pid}/metainfo`, { body: form });
      toast("Torrent uploaded");
      load();
    } catch (err) { toast("Could not upload: " + err.message, true); }
  }

  async function fetch_it() {
    try {
      const body = bucket.value.trim() ? { bucket: bucket.value.trim() } : {};
      const r = await call("POST", `${BASE}/${pid}/fetch`, { json: body });
      toast("Fetch started: task " + r.data.tid);
      location.hash = "#/task/" + r.data.tid;
    } catch (err) { toast("Could not fetch: " + err.message, true); }
  }
  load();
}
