#pragma once

// What happened to a user's tasks, as one typed value: the records of the
// durable event log (storage/event_table), the messages of the event
// subscription (event_hub_actor in protocol/actors.hpp) and, rendered, the
// events of `GET /events` (http/event_sse).

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/file_record.hpp"
#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"
#include "protocol/task_state.hpp"
#include "protocol/enum_range.hpp"

namespace skyhaul {

/// The kind of an event; `to_string` gives its name on the wire.
enum class event_type : uint8_t {
  task_created = 0,
  task_state,
  task_progress,
  task_file,
  callback_attempt,
  task_removed,
  /// Not stored: the resume point a subscriber asked for is older than
  /// the log keeps, so it must reload what it shows.
  reset,
};

template <>
struct enum_range<event_type> {
  static constexpr auto last = event_type::reset;
};

/// "task.created", "task.state", "task.progress", "task.file",
/// "callback.attempt", "task.removed" or "reset".
inline const char* to_string(event_type x) {
  switch (x) {
  case event_type::task_created:
    return "task.created";
  case event_type::task_state:
    return "task.state";
  case event_type::task_progress:
    return "task.progress";
  case event_type::task_file:
    return "task.file";
  case event_type::callback_attempt:
    return "callback.attempt";
  case event_type::task_removed:
    return "task.removed";
  default:
    return "reset";
  }
}

/// One event of a task. A flat struct rather than one type per kind: the
/// log stores them in one table and subscribers take them in one handler;
/// `type` says which fields mean something.
struct task_event {
  /// Position in the log: durable, strictly increasing over all users.
  /// A `reset` carries the newest stored id, from which to go on.
  uint64_t id = 0;
  event_type type = event_type::task_state;
  user_id owner = 0;
  task_seq tid = 0;
  /// When it was appended (ms since the epoch); the log's age limit.
  int64_t at_ms = 0;
  /// task.created, task.state: the state now (and before).
  task_state state = task_state::waiting;
  task_state previous = task_state::waiting;
  /// task.state into failed: why.
  ec error = ec::none;
  std::string error_message;
  /// task.created: the source, the name as known, where it is stored.
  std::string url;
  std::string title;
  std::string bucket;
  std::string key;
  /// task.progress: bytes on disk and expected (-1: unknown), bytes per
  /// second, seconds left (-1: unknown), peers (-1: not a torrent).
  uint64_t done_bytes = 0;
  int64_t total_bytes = -1;
  uint64_t speed = 0;
  int64_t eta = -1;
  int32_t peers = -1;
  /// task.file: the object stored.
  file_record file;
  /// callback.attempt: where it went, its number, the receiver's answer
  /// (0: none) and "delivered", "retry" or "gave_up".
  std::string callback_url;
  uint32_t attempt = 0;
  uint32_t http_status = 0;
  std::string outcome;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_event& x) {
  return f(x.id, x.type, x.owner, x.tid, x.at_ms, x.state, x.previous,
           x.error, x.error_message, x.url, x.title, x.bucket, x.key,
           x.done_bytes, x.total_bytes, x.speed, x.eta, x.peers, x.file,
           x.callback_url, x.attempt, x.http_status, x.outcome);
}

template <>
struct record_format<task_event> : format_version<1, 0> {
  static constexpr const char* table = "events";
};

/// Which events a subscriber wants, and from where.
struct event_filter {
  /// Whose events; 0 (the trusted internal caller) means every user's.
  user_id user = 0;
  /// Only these tasks' events; empty means all of the user's tasks.
  std::vector<task_seq> tids;
  /// True: first replay the stored events after `after` (a `reset` when
  /// some of them are no longer kept), then go on live. False: live only.
  bool resume = false;
  uint64_t after = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_filter& x) {
  return f(x.user, x.tids, x.resume, x.after);
}

/// True when `ev` is one `filter` asks for (its position aside).
inline bool matches(const event_filter& filter, const task_event& ev) {
  if (filter.user != 0 && ev.owner != filter.user)
    return false;
  if (filter.tids.empty())
    return true;
  for (auto tid : filter.tids)
    if (tid == ev.tid)
      return true;
  return false;
}

} // namespace skyhaul
