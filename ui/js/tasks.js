// The task table: filter by state, search, sort, pages; live figures from
// the event stream; one task or a selection paused, resumed or deleted.

import { call } from "./api.js";
import { h, fill, bytes, speed, duration, progress, update_progress, toast, ask } from "./dom.js";
import * as events from "./events.js";
import { STATES, can_pause, can_resume, title_of } from "./format.js";
import { open_add } from "./add.js";

const PAGE_SIZES = [25, 50, 100];
const view = { state: "all", search: "", sort: "created", dir: -1, offset: 0, limit: 25 };

/** Mounts the task table into `root`; returns a cleanup function. */
export function tasks_view(root) {
  const rows = new Map(); // tid -> {task, tr, cells}
  const selected = new Set();
  let total_in_state = 0;
  let more = false;

  const state_select = h("select", { id: "f-state", onchange: () => { view.state = state_select.value; view.offset = 0; load(); } });
  // A search looks through the newest 1000 tasks (the list's largest
  // page), then pages through the matches here.
  let search_timer = 0;
  const search = h("input", { id: "f-search", type: "search", placeholder: "Title, URL or tid", value: view.search,
    oninput: () => {
      clearTimeout(search_timer);
      search_timer = setTimeout(() => {
        const was = !!view.search;
        view.search = search.value.trim().toLowerCase();
        view.offset = 0;
        if (was || view.search) load();
      }, 250);
    } });
  const size_select = h("select", { id: "f-size", onchange: () => { view.limit = Number(size_select.value); view.offset = 0; if (view.search) render(); else load(); } },
    PAGE_SIZES.map((n) => h("option", { value: String(n), selected: n === view.limit }, String(n))));
  const sel_info = h("span.muted", { "aria-live": "polite" });
  const b_pause = h("button.ghost", { type: "button", onclick: () => batch("pause") }, "Pause selected");
  const b_resume = h("button.ghost", { type: "button", onclick: () => batch("resume") }, "Resume selected");
  const b_delete = h("button.ghost", { type: "button", onclick: () => batch("delete") }, "Delete selected");
  const all_box = h("input", { type: "checkbox", "aria-label": "Select every task on this page",
    onchange: () => { for (const tid of visible()) all_box.checked ? selected.add(tid) : selected.delete(tid); render(); } });
  const tbody = h("tbody");
  const pager_text = h("span.muted", { id: "pager-text" });
  const turn = (by) => {
    view.offset = Math.max(0, view.offset + by);
    if (view.search) render(); else load();
  };
  const b_prev = h("button.ghost", { type: "button", onclick: () => turn(-view.limit) }, "‹ Previous");
  const b_next = h("button.ghost", { type: "button", onclick: () => turn(view.limit) }, "Next ›");

  const sort_button = (col, label) => h("button.sort", { type: "button", dataset: { col },
    onclick: () => { view.dir = view.sort === col ? -view.dir : 1; view.sort = col; render(); } }, label);
  const head = h("thead", {}, h("tr", {},
    h("th", {}, all_box),
    h("th", { "aria-sort": "none" }, sort_button("title", "Name")),
    h("th", {}, sort_button("state", "State")),
    h("th", {}, sort_button("percent", "Progress")),
    h("th.num", {}, sort_button("total_bytes", "Size")),
    h("th.num", {}, sort_button("speed", "Speed")),
    h("th.num", {}, sort_button("eta", "ETA")),
    h("th.num", {}, "Peers"),
    h("th", {}, "Actions")));

  fill(root,
    h("div.row", {}, h("h1", {}, "Tasks"), h("span.spacer"),
      h("button", { type: "button", id: "add-open", onclick: () => open_add(), "aria-keyshortcuts": "a" }, "Add downloads")),
    h("div.toolbar", { role: "search" },
      h("label", {}, "State", state_select),
      h("label", {}, "Search", search),
      h("label", {}, "Per page", size_select),
      h("span.spacer"),
      sel_info, b_pause, b_resume, b_delete),
    h("div.table-wrap", {}, h("table.cards", { id: "tasks" }, head, tbody)),
    h("div.row.pager", {}, b_prev, pager_text, b_next));

  /** The tids shown, in order: the server's page, or a page of the matches. */
  function visible() {
    const all = matching();
    return view.search ? all.slice(view.offset, view.offset + view.limit) : all;
  }

  function matching() {
    let list = [...rows.values()].map((r) => r.task);
    if (view.search) {
      list = list.filter((t) => [title_of(t), t.url, t.tid, t.bucket, t.key].some(
        (s) => s && String(s).toLowerCase().includes(view.search)));
    }
    const k = view.sort;
    list.sort((a, b) => {
      const x = k === "title" ? title_of(a).toLowerCase() : (k === "created" ? a.tid : a[k] ?? -1);
      const y = k === "title" ? title_of(b).toLowerCase() : (k === "created" ? b.tid : b[k] ?? -1);
      return (x < y ? -1 : x > y ? 1 : 0) * view.dir;
    });
    return list.map((t) => t.tid);
  }

  function make_row(task) {
    const box = h("input", { type: "checkbox", "aria-label": "Select " + title_of(task),
      onchange: () => { box.checked ? selected.add(task.tid) : selected.delete(task.tid); update_selection(); } });
    const cells = {
      box,
      title: h("a", { href: "#/task/" + task.tid }),
      sub: h("div.muted.mono"),
      state: h("span.state"),
      bar: progress(0, task.state),
      size: h("td.num", { "data-label": "Size" }),
      speed: h("td.num", { "data-label": "Speed" }),
      eta: h("td.num", { "data-label": "ETA" }),
      peers: h("td.num", { "data-label": "Peers" }),
      pause: h("button.ghost", { type: "button", onclick: () => act(task.tid, "pause") }, "Pause"),
      resume: h("button.ghost", { type: "button", onclick: () => act(task.tid, "resume") }, "Resume"),
      del: h("button.ghost", { type: "button", onclick: () => remove([task.tid]) }, "Delete"),
    };
    const tr = h("tr", { dataset: { tid: task.tid } },
      h("td", {}, box),
      h("td.title", { "data-label": "Name" }, cells.title, cells.sub),
      h("td", { "data-label": "State" }, cells.state),
      h("td", { "data-label": "Progress" }, cells.bar),
      cells.size, cells.speed, cells.eta, cells.peers,
      h("td", {}, h("div.row", {}, cells.pause, cells.resume, cells.del)));
    return { task, tr, cells };
  }

  function paint(r) {
    const t = r.task;
    const c = r.cells;
    const name = title_of(t);
    c.title.textContent = name;
    c.sub.textContent = t.tid;
    c.state.textContent = t.state;
    c.state.className = "state " + t.state;
    update_progress(c.bar, t.percent, t.state);
    c.bar.setAttribute("aria-label", "Progress of " + name);
    c.size.textContent = t.total_bytes > 0 ? bytes(t.total_bytes) : "–";
    const running = t.state === "downloading";
    c.speed.textContent = running ? speed(t.speed) : "–";
    c.eta.textContent = running ? duration(t.eta) : "–";
    c.peers.textContent = t.peers !== undefined && t.peers !== null ? String(t.peers) : "–";
    c.pause.hidden = !can_pause(t.state);
    c.resume.hidden = !can_resume(t.state);
    c.pause.setAttribute("aria-label", "Pause " + name);
    c.resume.setAttribute("aria-label", "Resume " + name);
    c.del.setAttribute("aria-label", "Delete " + name);
    c.box.checked = selected.has(t.tid);
    r.tr.classList.toggle("selected", selected.has(t.tid));
  }

  function render() {
    const order = visible();
    fill(tbody, order.map((tid) => rows.get(tid).tr));
    if (!order.length) {
      tbody.append(h("tr", {}, h("td", { colspan: "9", class: "muted" },
        view.search ? "No task matches." : "No tasks yet. Add a URL, a magnet link or a .torrent file.")));
    }
    for (const tid of order) paint(rows.get(tid));
    for (const b of head.querySelectorAll("button.sort")) {
      const th = b.parentElement;
      th.setAttribute("aria-sort", b.dataset.col === view.sort ? (view.dir > 0 ? "ascending" : "descending") : "none");
    }
    const total = view.search ? matching().length : total_in_state;
    const first = order.length ? view.offset + 1 : 0;
    pager_text.textContent = `${first}–${view.offset + order.length} of ${total}` + (view.search ? " matching" : "");
    b_prev.disabled = view.offset === 0;
    b_next.disabled = view.search ? view.offset + view.limit >= total : !more;
    update_selection();
  }

  function update_selection() {
    for (const tid of [...selected]) if (!rows.has(tid)) selected.delete(tid);
    sel_info.textContent = selected.size ? selected.size + " selected" : "";
    for (const b of [b_pause, b_resume, b_delete]) b.disabled = selected.size === 0;
    for (const r of rows.values()) r.tr.classList.toggle("selected", selected.has(r.task.tid));
    const vis = visible();
    all_box.checked = vis.length > 0 && vis.every((tid) => selected.has(tid));
  }

  async function counters() {
    const r = await call("GET", "/task/state_counter");
    const c = r.detail || r.counters || {};
    const keep = state_select.value || view.state;
    fill(state_select,
      h("option", { value: "all" }, `All (${c.all ?? 0})`),
      STATES.map((s) => h("option", { value: s }, `${s} (${c[s] ?? 0})`)));
    state_select.value = keep;
    total_in_state = view.state === "all" ? (c.all ?? 0) : (c[view.state] ?? 0);
  }

  async function load() {
    try {
      // A search reads the full records, so it finds URLs, buckets and keys too.
      const q = view.search ? { limit: 1000, offset: 0, excerpt: "false" } : { limit: view.limit, offset: view.offset };
      if (view.state !== "all") q.state = view.state;
      const [list] = await Promise.all([call("GET", "/task/list", { query: q }), counters()]);
      const tasks = list.detail || list.tasks || [];
      more = !!list.next || view.offset + tasks.length < total_in_state;
      const old = new Map(rows);
      rows.clear();
      for (const t of tasks) {
        const prev = old.get(t.tid);
        if (prev) { Object.assign(prev.task, t); rows.set(t.tid, prev); }
        else rows.set(t.tid, make_row(t));
      }
      render();
    } catch (e) {
      toast("Could not load the tasks: " + e.message, true);
    }
  }

  async function act(tid, what) {
    try {
      await call("PUT", "/task/tid/" + tid, { query: { act: what } });
      const r = rows.get(tid);
      // The event stream brings the new state; the reply already says it worked.
      if (r && what === "pause") { r.task.state = "paused"; paint(r); }
      if (r && what === "resume") { r.task.state = "waiting"; paint(r); }
    } catch (e) {
      toast(`Could not ${what} ${tid}: ${e.message}`, true);
    }
  }

  async function remove(tids) {
    const answer = await ask(tids.length === 1 ? "Delete this task?" : `Delete ${tids.length} tasks?`,
      "The task goes from the list. Its stored objects stay unless you tick the box.",
      { ok: "Delete", danger: true, checks: [{ name: "del_file", label: "Also delete the downloaded data" }] });
    if (!answer) return;
    try {
      if (tids.length === 1) {
        await call("DELETE", "/task/tid/" + tids[0], { query: { del_file: answer.del_file ? "true" : "false" } });
        gone(tids[0]);
      } else {
        await batch_call("delete", tids, { del_file: answer.del_file });
      }
      toast(tids.length === 1 ? "Task deleted" : tids.length + " tasks deleted");
    } catch (e) {
      toast("Could not delete: " + e.message, true);
    }
  }

  async function batch_call(op, tids, extra = {}) {
    const r = await call("POST", "/task/batch/" + op, { json: { tids, ...extra } });
    const failed = Object.entries(r.results || {}).filter(([, v]) => v.status !== "success");
    for (const [tid] of Object.entries(r.results || {})) {
      if (failed.some(([f]) => f === tid)) continue;
      if (op === "delete") gone(tid);
      else {
        const row = rows.get(tid);
        if (row) { row.task.state = op === "pause" ? "paused" : "waiting"; paint(row); }
      }
    }
    if (failed.length) toast(`${failed.length} of ${tids.length} could not ${op}: ${failed[0][1].errmsg}`, true);
  }

  async function batch(op) {
    const tids = [...selected];
    if (!tids.length) return;
    if (op === "delete") return remove(tids);
    try {
      await batch_call(op, tids);
    } catch (e) {
      toast(`Could not ${op}: ${e.message}`, true);
    }
  }

  function gone(tid) {
    if (rows.delete(tid)) {
      selected.delete(tid);
      total_in_state = Math.max(0, total_in_state - 1);
      render();
    }
  }

  function on_event(type, d) {
    if (type === "reset") return load();
    const r = d && rows.get(d.tid);
    switch (type) {
      case "task.created":
        if (!r && view.offset === 0 && (view.state === "all" || view.state === d.state)) {
          rows.set(d.tid, make_row({ percent: 0, done_bytes: 0, total_bytes: -1, speed: 0, eta: -1, ...d }));
          total_in_state++;
          render();
        }
        counters().catch(() => {});
        break;
      case "task.state":
        if (r) {
          r.task.state = d.state;
          if (d.state === "finished") r.task.percent = 100;
          if (d.state !== "downloading") { r.task.speed = 0; r.task.eta = -1; }
          paint(r);
        }
        counters().catch(() => {});
        break;
      case "task.progress":
        if (r) {
          Object.assign(r.task, { done_bytes: d.done_bytes, total_bytes: d.total_bytes, percent: d.percent,
            speed: d.speed, eta: d.eta });
          if (d.peers !== undefined) r.task.peers = d.peers;
          if (r.task.state === "waiting") r.task.state = "downloading";
          paint(r);
        }
        break;
      case "task.removed":
        gone(d.tid);
        counters().catch(() => {});
        break;
    }
  }

  const off = events.on(on_event);
  const on_add = () => load();
  window.addEventListener("skyhaul:added", on_add);
  load();
  return () => { off(); window.removeEventListener("skyhaul:added", on_add); };
}
