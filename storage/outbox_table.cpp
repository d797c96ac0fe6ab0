#include "storage/outbox_table.hpp"

#include "storage/rows.hpp"

#include <algorithm>

namespace skyhaul::storage {

namespace {

std::string be32(uint32_t x) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i) {
    out[i] = static_cast<char>(x & 0xff);
    x >>= 8;
  }
  return out;
}

uint32_t from_be32(std::string_view bytes) {
  uint32_t x = 0;
  for (auto c : bytes.substr(0, 4))
    x = (x << 8) | static_cast<unsigned char>(c);
  return x;
}

/// task(8) event(8): the prefix of one event's log.
std::string log_prefix(task_seq task, uint64_t event) {
  return be64(task) + be64(event);
}

std::string log_key(task_seq task, uint64_t event, uint32_t attempt) {
  return log_prefix(task, event) + be32(attempt);
}

template <class T> T decode_or_throw(std::string_view bytes, const char* what) {
  T x;
  if (!decode(bytes, x))
    throw lmdb_error(std::string{"corrupt "} + what);
  return x;
}

std::optional<callback_event> get_head(const txn& t, task_seq task,
                                       uint64_t event) {
  auto v = t.get(table::deliveries, log_key(task, event, 0));
  if (!v)
    return std::nullopt;
  return decode_or_throw<callback_event>(*v, "delivery log head");
}

uint32_t last_attempt(const txn& t, task_seq task, uint64_t event) {
  uint32_t last = 0;
  auto prefix = log_prefix(task, event);
  t.scan_prefix(table::deliveries, prefix, prefix + be32(1),
                [&](std::string_view k, std::string_view) {
                  last = from_be32(k.substr(prefix.size()));
                  return true;
                });
  return last;
}

} // namespace

uint64_t next_event_id(txn& t) {
  count_row last;
  if (auto row = t.get_as<count_row>(table::meta, "last_event_id"))
    last = *row;
  ++last.count;
  t.put(table::meta, "last_event_id", last);
  return last.count;
}

void enqueue_event(txn& t, const callback_event& ev) {
  t.put(table::outbox, be64(ev.id), ev);
  t.put(table::deliveries, log_key(ev.task, ev.id, 0), ev);
}

std::optional<callback_event> get_owed(const txn& t, uint64_t id) {
  auto v = t.get(table::outbox, be64(id));
  if (!v)
    return std::nullopt;
  return decode_or_throw<callback_event>(*v, "outbox event");
}

std::vector<callback_event> owed_events(const txn& t) {
  std::vector<callback_event> out;
  t.scan(table::outbox, {}, [&](std::string_view, std::string_view v) {
    out.push_back(decode_or_throw<callback_event>(v, "outbox event"));
    return true;
  });
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.next_ms < y.next_ms;
  });
  return out;
}

uint32_t record_attempt(txn& t, delivery_attempt a, const callback_event& ev) {
  auto head = get_head(t, ev.task, ev.id);
  if (!head)
    return 0;
  a.event = ev.id;
  a.task = ev.task;
  a.attempt = last_attempt(t, ev.task, ev.id) + 1;
  t.put(table::deliveries, log_key(ev.task, ev.id, a.attempt), a);
  if (ev.round != head->round || head->state != delivery_state::pending)
    return a.attempt;
  if (ev.state == delivery_state::pending) {
    t.put(table::outbox, be64(ev.id), ev);
  } else {
    t.del(table::outbox, be64(ev.id));
    head->state = ev.state;
    head->tries = ev.tries;
    t.put(table::deliveries, log_key(ev.task, ev.id, 0), *head);
  }
  return a.attempt;
}

std::optional<callback_event> redeliver(txn& t, task_seq task, int64_t now_ms) {
  std::optional<callback_event> latest;
  auto prefix = be64(task);
  t.scan_prefix(table::deliveries, prefix, prefix,
                [&](std::string_view k, std::string_view v) {
                  if (from_be32(k.substr(16)) == 0)
                    latest = decode_or_throw<callback_event>(v, "log head");
                  return true;
                });
  if (!latest)
    return std::nullopt;
  auto& ev = *latest;
  ++ev.round;
  ev.state = delivery_state::pending;
  ev.tries = 0;
  ev.window_start_ms = now_ms;
  ev.next_ms = now_ms;
  enqueue_event(t, ev);
  return latest;
}

std::vector<callback_log> delivery_log(const txn& t, task_seq task) {
  std::vector<callback_log> out;
  auto prefix = be64(task);
  t.scan_prefix(table::deliveries, prefix, prefix,
                [&](std::string_view k, std::string_view v) {
                  if (from_be32(k.substr(16)) == 0) {
                    out.emplace_back();
                    out.back().event
                        = decode_or_throw<callback_event>(v, "log head");
                  } else if (!out.empty()) {
                    out.back().attempts.push_back(
                        decode_or_throw<delivery_attempt>(v, "log entry"));
                  }
                  return true;
                });
  return out;
}

} // namespace skyhaul::storage
