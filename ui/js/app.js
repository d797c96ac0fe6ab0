// The shell: sign-in, the theme, the sections and the hash routes
// (#/tasks, #/task/<tid>, #/buckets[/<bucket>], #/remote, #/community,
// #/community/post/<pid>).

import { whoami, sign_in_password, sign_in_key, sign_out } from "./api.js";
import { h, fill, toast } from "./dom.js";
import * as events from "./events.js";
import { tasks_view } from "./tasks.js";
import { task_view } from "./task_page.js";
import { buckets_view, objects_view } from "./buckets.js";
import { remote_view } from "./remote.js";
import { community_view, post_view } from "./community.js";
import { open_add } from "./add.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const live = document.getElementById("live");
const signout = document.getElementById("signout");
let me = null;
let cleanup = null;

// Light, dark, or whatever the system prefers (no choice stored).
function apply_theme(theme) {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  const dark = theme ? theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
  document.getElementById("theme").setAttribute("aria-pressed", String(dark));
}
apply_theme(localStorage.getItem("skyhaul.theme"));
document.getElementById("theme").addEventListener("click", () => {
  const dark_now = document.documentElement.dataset.theme
    ? document.documentElement.dataset.theme === "dark"
    : matchMedia("(prefers-color-scheme: dark)").matches;
  const next = dark_now ? "light" : "dark";
  localStorage.setItem("skyhaul.theme", next);
  apply_theme(next);
});

events.on_status((up) => {
  live.textContent = up ? "live" : "offline";
  live.classList.toggle("on", up);
  live.title = up ? "Updates arrive as they happen" : "The event stream is reconnecting";
});

signout.addEventListener("click", async () => {
  await sign_out();
  events.disconnect();
  me = null;
  // The next one to sign in starts at the task list.
  history.replaceState(null, "", "#/tasks");
  route();
});

function signed_in(user) {
  me = user;
  nav.hidden = false;
  signout.hidden = false;
  live.hidden = false;
  who.textContent = user.email || user.name;
  events.connect();
}

function sign_in_page() {
  nav.hidden = true;
  signout.hidden = true;
  live.hidden = true;
  who.textContent = "";
  const email = h("input", { id: "login-email", type: "email", autocomplete: "username", required: true });
  const password = h("input", { id: "login-password", type: "password", autocomplete: "current-password", required: true });
  const key = h("input", { id: "login-key", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const msg = h("p", { id: "login-error", role: "alert", class: "muted" });
  const guard = (fn) => async (e) => {
    e.preventDefault();
    msg.textContent = "";
    try {
      const user = await fn();
      if (!user) throw new Error("that key is not valid");
      signed_in(user);
      route();
    } catch (err) {
      msg.textContent = "Could not sign in: " + err.message;
    }
  };
  fill(main,
    h("div.signin", {},
      h("h1", {}, "Sign in to Skyhaul"),
      h("form.panel", { id: "login-form", onsubmit: guard(() => sign_in_password(email.value, password.value)) },
        h("h2", {}, "With e-mail and password"),
        h("label", { for: "login-email" }, "E-mail", email),
        h("label", { for: "login-password" }, "Password", password),
        h("button", { type: "submit", id: "login-submit" }, "Sign in")),
      h("form.panel", { id: "key-form", onsubmit: guard(() => sign_in_key(key.value)) },
        h("h2", {}, "With an api key"),
        h("label", { for: "login-key" }, "Api key (kept in this tab only)", key),
        h("button", { type: "submit", id: "key-submit" }, "Use key")),
      msg));
  email.focus();
}

function section_of(hash) {
  return (hash.split("/")[1] || "tasks").replace(/^task$/, "tasks");
}

async function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  document.title = "Skyhaul";
  if (!me) {
    try {
      const user = await whoami();
      if (user) signed_in(user);
    } catch (e) {
      toast("The server did not answer: " + e.message, true);
    }
  }
  if (!me) return sign_in_page();
  const hash = location.hash || "#/tasks";
  const parts = hash.slice(2).split("/").map(decodeURIComponent);
  const section = section_of(hash);
  for (const a of nav.querySelectorAll("a")) {
    if (a.dataset.section === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  fill(main);
  let c = null;
  if (parts[0] === "task" && parts[1]) c = task_view(main, parts[1]);
  else if (parts[0] === "buckets" && parts[1]) c = objects_view(main, parts[1], parts.slice(2).join("/"));
  else if (parts[0] === "buckets") c = buckets_view(main);
  else if (parts[0] === "remote") c = remote_view(main);
  else if (parts[0] === "community" && parts[1] === "post" && parts[2]) c = post_view(main, parts[2]);
  else if (parts[0] === "community") c = community_view(main);
  else c = tasks_view(main);
  cleanup = typeof c === "function" ? c : null;
}

window.addEventListener("hashchange", () => { route(); main.focus(); });

// The skip link moves the focus only: the hash belongs to the routes.
document.querySelector(".skip").addEventListener("click", (e) => {
  e.preventDefault();
  main.focus();
});

// Keyboard: "/" to search, "a" to add, when no field has the focus.
document.addEventListener("keydown", (e) => {
  if (!me || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t.closest && t.closest("input, textarea, select, dialog, [contenteditable]")) return;
  if (e.key === "/") {
    const s = document.querySelector("main input[type=search]");
    if (s) { e.preventDefault(); s.focus(); }
  } else if (e.key === "a" && section_of(location.hash || "#/tasks") === "tasks") {
    e.preventDefault();
    open_add();
  }
});

route();
