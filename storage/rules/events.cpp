#include "storage/rules/events.hpp"

#include "base/url_text.hpp"
#include "protocol/task_title.hpp"
#include "storage/event_table.hpp"
#include "storage/task_table.hpp"

namespace skyhaul::storage::rules {

namespace {

task_event event_of(event_type type, const task_record& rec, int64_t now) {
  task_event ev;
  ev.type = type;
  ev.owner = rec.owner;
  ev.tid = rec.seq;
  ev.at_ms = now;
  return ev;
}

void append(txn& t, task_event ev, std::vector<task_event>& out) {
  append_event(t, ev);
  out.push_back(std::move(ev));
}

bool known_file(const task_record& rec, const file_record& f) {
  for (auto& g : rec.files)
    if (g.key == f.key && g.name == f.name && g.blob == f.blob)
      return true;
  return false;
}

} // namespace

void task_events(txn& t, const task_record* old, const task_record& rec,
                 int64_t now_ms, std::vector<task_event>& out) {
  if (old == nullptr) {
    auto ev = event_of(event_type::task_created, rec, now_ms);
    ev.state = rec.state;
    ev.previous = rec.state;
    ev.url = redact_url(rec.spec.url);
    ev.title = task_title(rec);
    ev.bucket = rec.spec.bucket;
    ev.key = !rec.spec.key.empty() ? rec.spec.key : rec.spec.target;
    append(t, std::move(ev), out);
  }
  for (auto& f : rec.files) {
    if (old != nullptr && known_file(*old, f))
      continue;
    auto ev = event_of(event_type::task_file, rec, now_ms);
    ev.file = f;
    append(t, std::move(ev), out);
  }
  if (old != nullptr && old->state != rec.state) {
    auto ev = event_of(event_type::task_state, rec, now_ms);
    ev.state = rec.state;
    ev.previous = old->state;
    if (rec.state == task_state::failed) {
      ev.error = rec.error;
      ev.error_message = rec.error_message;
    }
    append(t, std::move(ev), out);
  }
}

void removed_event(txn& t, task_seq seq, int64_t now_ms,
                   std::vector<task_event>& out) {
  auto rec = get_task(t, seq);
  if (!rec)
    return;
  append(t, event_of(event_type::task_removed, *rec, now_ms), out);
}

void attempt_event(txn& t, const delivery_attempt& a, uint32_t number,
                   const callback_event& ev, int64_t now_ms,
                   std::vector<task_event>& out) {
  if (number == 0)
    return;
  task_event x;
  x.type = event_type::callback_attempt;
  x.owner = ev.owner;
  x.tid = ev.task;
  x.at_ms = now_ms;
  x.callback_url = ev.url;
  x.attempt = number;
  x.http_status = a.http_status;
  switch (ev.state) {
  case delivery_state::delivered:
    x.outcome = "delivered";
    break;
  case delivery_state::failed:
    x.outcome = "gave_up";
    break;
  default:
    x.outcome = "retry";
  }
  append(t, std::move(x), out);
}

void progress_event(txn& t, const fetch_progress& p, int64_t now_ms,
                    std::vector<task_event>& out) {
  auto rec = get_task(t, p.seq);
  if (!rec || rec->state != task_state::downloading)
    return;
  auto ev = event_of(event_type::task_progress, *rec, now_ms);
  ev.done_bytes = p.done;
  ev.total_bytes = p.total;
  ev.speed = p.speed;
  ev.peers = p.peers;
  if (p.total >= 0 && p.speed > 0) {
    auto left = p.total > static_cast<int64_t>(p.done)
                    ? static_cast<uint64_t>(p.total) - p.done
                    : 0;
    ev.eta = static_cast<int64_t>((left + p.speed - 1) / p.speed);
  }
  append(t, std::move(ev), out);
}

void trim_log(txn& t, const event_retention& keep, int64_t now_ms) {
  trim_events(t, keep.count, now_ms - keep.age_ms, event_trim_step);
}

} // namespace skyhaul::storage::rules
