#pragma once

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include "protocol/enum_range.hpp"

namespace skyhaul {

/// Which callback URL of a task an event goes to.
enum class callback_kind : uint8_t { success = 0, failure };

template <>
struct enum_range<callback_kind> {
  static constexpr auto last = callback_kind::failure;
};

/// Where the delivery of an event stands.
enum class delivery_state : uint8_t {
  /// Owed: in the outbox, delivered at least once eventually.
  pending = 0,
  /// The receiver answered 2xx.
  delivered,
  /// Given up: tries or the retry window ran out, or the URL is refused.
  failed,
};

template <>
struct enum_range<delivery_state> {
  static constexpr auto last = delivery_state::failed;
};

/// One callback owed by a task transition: the value of the outbox and the
/// head of the event's delivery log. Written in the transaction that
/// records the transition (actors/store.cpp).
struct callback_event {
  /// Sequence number; also the stable `X-Skyhaul-Event-Id`.
  uint64_t id = 0;
  task_seq task = 0;
  /// Whose `callback_secret` signs the deliveries.
  user_id owner = 0;
  callback_kind kind = callback_kind::success;
  std::string url;
  /// The JSON body, rendered at the transition and sent unchanged.
  std::string body;
  delivery_state state = delivery_state::pending;
  /// Bumped by every redeliver; outcomes of an older round only log.
  uint32_t round = 0;
  /// Attempts made in this round.
  uint32_t tries = 0;
  /// Start of this round's retry window (ms since the epoch).
  int64_t window_start_ms = 0;
  /// When the next attempt is due (ms since the epoch).
  int64_t next_ms = 0;
  int64_t created_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, callback_event& x) {
  return f(x.id, x.task, x.owner, x.kind, x.url, x.body, x.state, x.round,
           x.tries, x.window_start_ms, x.next_ms, x.created_ms);
}

template <>
struct record_format<callback_event> : format_version<1, 0> {
  static constexpr const char* table = "outbox/deliveries";
};

/// One delivery attempt: an entry of a task's delivery log.
struct delivery_attempt {
  uint64_t event = 0;
  task_seq task = 0;
  /// 1-based number within the event's log; assigned by the store.
  uint32_t attempt = 0;
  /// When the request started (ms since the epoch).
  int64_t time_ms = 0;
  /// The receiver's status; 0 when there was no answer.
  uint32_t http_status = 0;
  /// Empty for a 2xx answer; otherwise what went wrong.
  std::string error;
  int64_t duration_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delivery_attempt& x) {
  return f(x.event, x.task, x.attempt, x.time_ms, x.http_status, x.error,
           x.duration_ms);
}

template <>
struct record_format<delivery_attempt> : format_version<1, 0> {
  static constexpr const char* table = "deliveries";
};

/// The event id as receivers see it (`X-Skyhaul-Event-Id`, `RequestId`):
/// 16 upper-case hex digits.
inline std::string format_event_id(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llX",
                static_cast<unsigned long long>(id));
  return buf;
}

/// `"success"` or `"failure"`.
inline const char* to_string(callback_kind x) {
  return x == callback_kind::success ? "success" : "failure";
}

/// `"pending"`, `"delivered"` or `"failed"`.
inline const char* to_string(delivery_state x) {
  switch (x) {
  case delivery_state::delivered:
    return "delivered";
  case delivery_state::failed:
    return "failed";
  default:
    return "pending";
  }
}

} // namespace skyhaul
