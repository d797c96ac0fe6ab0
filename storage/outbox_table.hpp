#pragma once

// The callback outbox and the delivery log. `outbox` holds the events still
// owed, by event id; `deliveries` holds per task and event a head (attempt
// 0: the event itself with its current state) and one entry per attempt.

#include "protocol/callback.hpp"
#include "storage/lmdb_env.hpp"

#include <optional>
#include <vector>

namespace skyhaul::storage {

/// A task's callback as its delivery log shows it.
struct callback_log {
  callback_event event;
  std::vector<delivery_attempt> attempts;
};

/// Reserves the next event id.
uint64_t next_event_id(txn& t);

/// Writes `ev` (its id from `next_event_id`) to the outbox and as the head
/// of its delivery log.
void enqueue_event(txn& t, const callback_event& ev);

/// Reads an owed event; nullopt when it is not (or no longer) owed.
std::optional<callback_event> get_owed(const txn& t, uint64_t id);

/// Every owed event, the earliest due first (ties by id).
std::vector<callback_event> owed_events(const txn& t);

/// Appends `a` to the log of its event, numbered after the last attempt,
/// and applies `ev`: pending stores its new schedule in the outbox,
/// delivered and failed take it out and mark the log head. An `ev` of an
/// older round (redelivered meanwhile) only adds to the log. Returns the
/// number given to the attempt; 0 when the event is unknown.
uint32_t record_attempt(txn& t, delivery_attempt a, const callback_event& ev);

/// Owes the latest event of `task` again: a new round, no tries, due at
/// `now_ms`. Nullopt when the task never had a callback.
std::optional<callback_event> redeliver(txn& t, task_seq task, int64_t now_ms);

/// The delivery log of `task`, oldest event first.
std::vector<callback_log> delivery_log(const txn& t, task_seq task);

} // namespace skyhaul::storage
