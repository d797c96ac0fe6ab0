#include "storage/event_table.hpp"

#include "storage/rows.hpp"

#include <utility>
#include <vector>

namespace skyhaul::storage {

namespace {

constexpr const char* newest_key = "events_newest";
constexpr const char* trimmed_key = "events_trimmed";

uint64_t meta_count(const txn& t, const char* key) {
  auto row = t.get_as<count_row>(table::meta, key);
  return row ? row->count : 0;
}

std::string event_key(user_id owner, uint64_t id) {
  return be64(owner) + be64(id);
}

} // namespace

uint64_t append_event(txn& t, task_event& ev) {
  ev.id = meta_count(t, newest_key) + 1;
  t.put(table::meta, newest_key, count_row{ev.id});
  t.put(table::events, event_key(ev.owner, ev.id), ev);
  t.put(table::event_ids, be64(ev.id), user_key_row{ev.owner});
  return ev.id;
}

uint64_t newest_event_id(const txn& t) {
  return meta_count(t, newest_key);
}

uint64_t trimmed_event_id(const txn& t) {
  return meta_count(t, trimmed_key);
}

void read_events(const txn& t, user_id owner, uint64_t after,
                 const std::function<bool(const task_event&)>& fn) {
  if (after == UINT64_MAX)
    return;
  if (owner != 0) {
    auto prefix = be64(owner);
    t.scan_prefix(table::events, prefix, event_key(owner, after + 1),
                  [&](std::string_view k, std::string_view v) {
                    return fn(decode_value<task_event>(table::events, k, v));
                  });
    return;
  }
  t.scan(table::event_ids, be64(after + 1),
         [&](std::string_view k, std::string_view v) {
           auto who = decode_value<user_key_row>(table::event_ids, k, v);
           auto ev = t.get_as<task_event>(table::events,
                                          event_key(who.id, from_be64(k)));
           return !ev || fn(*ev);
         });
}

size_t trim_events(txn& t, uint64_t keep, int64_t min_at_ms,
                   size_t max_steps) {
  auto newest = newest_event_id(t);
  // Gathered first, deleted after: no writes under a live cursor.
  std::vector<std::pair<uint64_t, user_id>> gone;
  t.scan(table::event_ids, {}, [&](std::string_view k, std::string_view v) {
    if (gone.size() >= max_steps)
      return false;
    auto id = from_be64(k);
    auto owner = decode_value<user_key_row>(table::event_ids, k, v).id;
    if (newest - id + 1 <= keep) {
      // Within the count: it goes only when it is too old.
      auto ev = t.get_as<task_event>(table::events, event_key(owner, id));
      if (ev && ev->at_ms >= min_at_ms)
        return false;
    }
    gone.emplace_back(id, owner);
    return true;
  });
  for (auto& [id, owner] : gone) {
    t.del(table::events, event_key(owner, id));
    t.del(table::event_ids, be64(id));
  }
  if (!gone.empty())
    t.put(table::meta, trimmed_key, count_row{gone.back().first});
  return gone.size();
}

} // namespace skyhaul::storage
