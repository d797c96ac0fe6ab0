// The live event stream (GET /events, Server-Sent Events). One
// EventSource per tab; EventSource reconnects by itself and sends
// Last-Event-ID, so the server resumes after the last event seen.

import { api_key } from "./api.js";

const TYPES = ["task.created", "task.state", "task.progress", "task.file",
  "callback.attempt", "task.removed", "reset"];
const subscribers = new Set();
const status_listeners = new Set();
let source = null;

/** on(fn): fn(type, data) for every event; returns an unsubscribe. */
export function on(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

/** on_status(fn): fn(true|false) when the stream opens or drops. */
export function on_status(fn) {
  status_listeners.add(fn);
  return () => status_listeners.delete(fn);
}

function emit(type, data) {
  for (const fn of subscribers) {
    try { fn(type, data); } catch (e) { console.warn("event handler failed", e); }
  }
}

function set_status(up) {
  for (const fn of status_listeners) fn(up);
}

export function connect() {
  disconnect();
  const key = api_key();
  // EventSource cannot send headers: the key, when there is one, goes in
  // the query; otherwise the cookie does.
  source = new EventSource(key ? "/events?key=" + encodeURIComponent(key) : "/events");
  source.onopen = () => set_status(true);
  source.onerror = () => set_status(false);
  for (const type of TYPES) {
    source.addEventListener(type, (ev) => {
      let data = {};
      try { data = ev.data ? JSON.parse(ev.data) : {}; } catch { return; }
      emit(type, data);
    });
  }
}

export function disconnect() {
  if (source) source.close();
  source = null;
  set_status(false);
}
