// Buckets and their objects: browse by folder, download, delete.

import { call, api_key, download } from "./api.js";
import { h, fill, bytes, when, toast, ask } from "./dom.js";

export function buckets_view(root) {
  const body = h("div", { id: "buckets" }, h("p.muted", {}, "Loading…"));
  fill(root, h("h1", {}, "Buckets"), body);
  call("GET", "/ui/api/buckets").then((r) => {
    const list = r.detail || [];
    fill(body, list.length
      ? h("div.table-wrap", {}, h("table.cards", {},
        h("thead", {}, h("tr", {}, h("th", {}, "Bucket"), h("th", {}, "Created"), h("th", {}, "ACL"))),
        h("tbody", {}, list.map((b) => h("tr", {},
          h("td", { "data-label": "Bucket" }, h("a", { href: "#/buckets/" + encodeURIComponent(b.name) }, b.name)),
          h("td", { "data-label": "Created" }, when(b.created)),
          h("td", { "data-label": "ACL" }, b.acl))))))
      : h("p.muted", {}, "No buckets yet: a finished download creates its bucket."));
  }).catch((e) => fill(body, h("p.error-box", { role: "alert" }, e.message)));
}

export function objects_view(root, bucket, prefix) {
  const tbody = h("tbody");
  const more = h("button.ghost", { type: "button", hidden: true }, "Load more");
  const crumbs = [h("a", { href: "#/buckets" }, "Buckets"), " / ",
    h("a", { href: "#/buckets/" + encodeURIComponent(bucket) }, bucket)];
  let acc = "";
  for (const part of prefix.split("/").filter(Boolean)) {
    acc += part + "/";
    crumbs.push(" / ", h("a", { href: "#/buckets/" + encodeURIComponent(bucket) + "/" + acc.split("/").map(encodeURIComponent).join("/") }, part));
  }
  fill(root, h("h1", {}, bucket), h("p", {}, crumbs),
    h("div.table-wrap", {}, h("table.cards", { id: "objects" },
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th.num", {}, "Size"), h("th", {}, "Modified"), h("th", {}, "MD5"), h("th", {}, "Actions"))),
      tbody)), h("p", {}, more));
  const path = (p) => "#/buckets/" + encodeURIComponent(bucket) + "/" + p.split("/").map(encodeURIComponent).join("/");
  const link = (key) => "/ui/api/object?" + new URLSearchParams({ bucket, name: key });

  async function page(marker) {
    try {
      const r = await call("GET", "/ui/api/objects", { query: { bucket, prefix: prefix ? prefix.replace(/\/?$/, "/") : "", marker } });
      const d = r.detail;
      for (const p of d.prefixes) {
        tbody.append(h("tr", {}, h("td.title", { "data-label": "Folder" }, h("a", { href: path(p) }, p.slice(d.prefix.length))),
          h("td"), h("td"), h("td"), h("td")));
      }
      for (const o of d.objects) {
        const name = o.key.slice(d.prefix.length);
        const file = o.key.split("/").pop();
        // With the cookie a plain link works; a key has to go in a header.
        const get = api_key()
          ? h("button.ghost", { type: "button", onclick: () => download(link(o.key), file).catch((e) => toast(e.message, true)) }, "Download")
          : h("a.button.ghost", { href: link(o.key), download: file }, "Download");
        get.setAttribute("aria-label", "Download " + name);
        const del = h("button.ghost", { type: "button", "aria-label": "Delete " + name, onclick: async () => {
          if (!(await ask("Delete this object?", o.key, { ok: "Delete", danger: true }))) return;
          try {
            await call("DELETE", "/ui/api/object", { query: { bucket, name: o.key } });
            tr.remove();
            toast("Deleted " + name);
          } catch (e) { toast("Could not delete: " + e.message, true); }
        } }, "Delete");
        const tr = h("tr", {},
          h("td.title", { "data-label": "Name" }, name),
          h("td.num", { "data-label": "Size" }, bytes(o.size)),
          h("td", { "data-label": "Modified" }, when(o.last_modified)),
          h("td.mono", { "data-label": "MD5" }, o.md5),
          h("td", {}, h("div.row", {}, get, del)));
        tbody.append(tr);
      }
      if (!tbody.children.length) tbody.append(h("tr", {}, h("td", { colspan: "5", class: "muted" }, "Empty.")));
      more.hidden = !d.next;
      more.onclick = () => page(d.next);
    } catch (e) {
      toast("Could not list the bucket: " + e.message, true);
    }
  }
  page("");
}
