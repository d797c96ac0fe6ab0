// Small DOM helpers: elements built from data, never from HTML strings, so
// nothing a server or a peer named can run as markup.

/** h('tag.class', {attr: v, onclick: fn}, ...children) */
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "text") el.textContent = v;
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function bytes(n) {
  if (n === undefined || n === null || n < 0) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 2 : 1)) + " " + units[i];
}

export function speed(n) {
  return n > 0 ? bytes(n) + "/s" : "–";
}

export function duration(s) {
  if (s === undefined || s === null || s < 0 || !isFinite(s)) return "–";
  s = Math.round(s);
  if (s < 60) return s + " s";
  const m = Math.floor(s / 60);
  if (m < 60) return m + " min " + (s % 60) + " s";
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return hrs + " h " + (m % 60) + " min";
  return Math.floor(hrs / 24) + " d";
}

export function when(ms) {
  if (!ms) return "–";
  return new Date(Number(ms)).toLocaleString();
}

export function toast(message, bad = false) {
  const box = document.getElementById("toasts");
  const t = h("div.toast" + (bad ? ".bad" : ""), { role: bad ? "alert" : "status" }, message);
  box.append(t);
  setTimeout(() => t.remove(), bad ? 8000 : 4000);
}

/** A progress bar; `update(bar, percent, state)` changes it in place. */
export function progress(percent, state) {
  const bar = h("div.progress", { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" },
    h("span"), h("em"));
  update_progress(bar, percent, state);
  return bar;
}

export function update_progress(bar, percent, state) {
  const p = Math.max(0, Math.min(100, Number(percent) || 0));
  bar.firstChild.style.width = p + "%";
  bar.lastChild.textContent = p.toFixed(p < 100 ? 1 : 0) + "%";
  bar.setAttribute("aria-valuenow", p.toFixed(1));
  bar.classList.toggle("finished", state === "finished");
  bar.classList.toggle("failed", state === "failed" || state === "invalid");
}

/** A confirm dialog; resolves to the checkbox states, or null when cancelled. */
export function ask(title, text, { ok = "OK", danger = false, checks = [] } = {}) {
  return new Promise((resolve) => {
    const boxes = checks.map((c) => h("input", { type: "checkbox", name: c.name }));
    const d = h("dialog", { "aria-labelledby": "ask-title" },
      h("h2", { id: "ask-title" }, title),
      h("p", {}, text),
      checks.map((c, i) => h("p", {}, h("label.inline", {}, boxes[i], c.label))),
      h("div.row.end", {},
        h("button.ghost", { type: "button", value: "no", onclick: () => d.close("no") }, "Cancel"),
        h("button" + (danger ? ".danger" : ""), { type: "button", onclick: () => d.close("yes") }, ok)));
    d.addEventListener("close", () => {
      const out = d.returnValue === "yes"
        ? Object.fromEntries(checks.map((c, i) => [c.name, boxes[i].checked])) : null;
      d.remove();
      resolve(out);
    });
    document.body.append(d);
    d.showModal();
  });
}
