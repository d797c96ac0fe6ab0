// Calls to this server. Signed in either by the login cookie (set by the
// Offcloud face's /api/login, HttpOnly, never seen here) or by an api key
// the user pasted, kept in sessionStorage for this tab only.

const KEY = "skyhaul.key";

export function api_key() {
  return sessionStorage.getItem(KEY) || "";
}

export class api_error extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(extra = {}) {
  // Sent on every call: the server lets a cookie change state only for
  // requests that carry it (or a matching Origin).
  const out = { "X-Requested-With": "skyhaul-ui", ...extra };
  const key = api_key();
  if (key) out.Authorization = "Bearer " + key;
  return out;
}

/** The message of an error reply in any face's shape. */
function message_of(body, status) {
  if (body && typeof body === "object") {
    if (typeof body.errmsg === "string") return body.errmsg;
    if (typeof body.error === "string") return body.error;
    if (body.status === "FAIL" && typeof body.message === "string") return body.message;
    if (typeof body.not_available === "string") return "not available on this plan: " + body.not_available;
  }
  return "HTTP " + status;
}

/**
 * call("GET", "/task/list", {query, json, form, body}) -> parsed JSON.
 * Throws api_error for a refused or failed call, whatever the face.
 */
export async function call(method, path, opts = {}) {
  let url = path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
    const s = q.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  const init = { method, headers: headers(), credentials: "same-origin", cache: "no-store" };
  if (opts.json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(opts.json);
  } else if (opts.form !== undefined) {
    init.headers["Content-Type"] = "application/x-www-form-urlencoded";
    init.body = new URLSearchParams(opts.form).toString();
  } else if (opts.body !== undefined) {
    init.body = opts.body;
  }
  const res = await fetch(url, init);
  if (opts.raw) {
    if (!res.ok) throw new api_error(res.status, "HTTP " + res.status);
    return res;
  }
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  const failed = !res.ok || (body && (body.status === "error" || body.status === "FAIL"
    || (typeof body.error === "string")));
  if (failed) throw new api_error(res.status, message_of(body, res.status));
  return body;
}

/** Who is signed in, or null (never an error reply for "nobody"). */
export async function whoami() {
  return (await call("GET", "/ui/api/session")).detail;
}

export async function sign_in_password(email, password) {
  sessionStorage.removeItem(KEY);
  await call("POST", "/api/login", { form: { username: email, password } });
  return whoami();
}

export async function sign_in_key(key) {
  sessionStorage.setItem(KEY, key.trim());
  const me = await whoami();
  if (!me) sessionStorage.removeItem(KEY);
  return me;
}

export async function sign_out() {
  const had_key = !!api_key();
  sessionStorage.removeItem(KEY);
  if (!had_key) await call("POST", "/api/logout").catch(() => {});
}

/** Saves a reply's body as a file, for downloads that need the key header. */
export async function download(path, name) {
  const res = await call("GET", path, { raw: true });
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}
