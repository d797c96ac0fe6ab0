// Remote accounts (FTP, FTPS, SFTP, WebDAV, S3) and proxies, through the
// Offcloud face.

import { call } from "./api.js";
import { h, fill, toast, ask } from "./dom.js";

export function remote_view(root) {
  const accounts = h("div", { id: "remote-accounts" }, h("p.muted", {}, "Loading…"));
  const proxies = h("div", { id: "proxies" }, h("p.muted", {}, "Loading…"));
  const f = (name, label, attrs = {}) => h("label", { for: "ra-" + name }, label, h("input", { id: "ra-" + name, name, ...attrs }));
  const type = h("select", { id: "ra-type", name: "type" }, ["ftp", "ftps", "sftp", "webdav", "s3"].map((t) => h("option", { value: t }, t)));
  const form = h("form.panel", { id: "remote-add", onsubmit: async (e) => {
    e.preventDefault();
    const data = Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ""));
    try {
      await call("POST", "/api/remote/accounts/add", { form: data });
      toast("Account added");
      form.reset();
      load();
    } catch (err) {
      toast("Could not add the account: " + err.message, true);
    }
  } },
  h("h2", {}, "Add an account"),
  h("div.grid", {}, h("label", { for: "ra-type" }, "Type", type), f("host", "Host", { required: true }), f("port", "Port", { type: "number", min: "1", max: "65535" }),
    f("username", "User name"), f("password", "Password or secret key", { type: "password", autocomplete: "new-password" }),
    f("path", "Folder"), f("bucket", "Bucket (S3)"), f("region", "Region (S3)")),
  h("button", { type: "submit" }, "Add account"));

  fill(root, h("h1", {}, "Remote accounts"), accounts, form, h("h2", {}, "Proxies"), proxies);

  async function load() {
    try {
      const r = await call("GET", "/api/remote/accounts");
      const list = r.data || [];
      fill(accounts, list.length ? h("div.table-wrap", {}, h("table.cards", {},
        h("thead", {}, h("tr", {}, ["Type", "Host", "User", "Folder", "Status", ""].map((t) => h("th", {}, t)))),
        h("tbody", {}, list.map((a) => h("tr", {},
          h("td", { "data-label": "Type" }, a.type),
          h("td.mono", { "data-label": "Host" }, a.host + (a.port ? ":" + a.port : "") + (a.bucket ? " / " + a.bucket : "")),
          h("td", { "data-label": "User" }, a.username),
          h("td", { "data-label": "Folder" }, a.path),
          h("td", { "data-label": "Status" }, a.status),
          h("td", {}, h("button.ghost", { type: "button", "aria-label": "Remove account " + a.host, onclick: async () => {
            if (!(await ask("Remove this account?", a.host, { ok: "Remove", danger: true }))) return;
            try {
              await call("POST", "/api/remote/accounts/remove", { form: { accountId: a.accountId } });
              load();
            } catch (e) { toast("Could not remove: " + e.message, true); }
          } }, "Remove")))))))
        : h("p.muted", {}, "No remote account yet."));
    } catch (e) {
      fill(accounts, h("p.error-box", { role: "alert" }, e.message));
    }
    try {
      const list = await call("GET", "/api/proxy");
      fill(proxies, Array.isArray(list) && list.length
        ? h("ul", {}, list.map((p) => h("li", {}, p.name, " ", h("span.muted", {}, `${p.region} · id ${p.id}`))))
        : h("p.muted", {}, "No proxy is configured for your plan."));
    } catch (e) {
      fill(proxies, h("p.error-box", { role: "alert" }, e.message));
    }
  }
  load();
}
