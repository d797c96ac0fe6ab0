#pragma once

// The event log as transaction bodies: which events a change appends, in
// the transaction of the change itself, so a crash keeps both or neither.
// The store actor publishes what these return once the commit is durable.

#include "protocol/callback.hpp"
#include "protocol/event.hpp"
#include "protocol/fetch.hpp"
#include "protocol/task_record.hpp"

#include <cstdint>
#include <vector>

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// How much of the log is kept.
struct event_retention {
  uint64_t count = 100000;
  int64_t age_ms = int64_t{7} * 86400 * 1000;
};

/// Most events one commit trims: trimming a large backlog is spread over
/// commits instead of making one of them slow.
constexpr size_t event_trim_step = 256;

/// Appends what a move from `old` (nullptr: a new task) to `rec` tells:
/// task.created for a new task, task.file for each file it gained, then
/// task.state when its state changed (so a finished event comes after its
/// files).
void task_events(txn& t, const task_record* old, const task_record& rec,
                 int64_t now_ms, std::vector<task_event>& out);

/// Appends task.removed for task `seq`, if it is there; before the erase.
void removed_event(txn& t, task_seq seq, int64_t now_ms,
                   std::vector<task_event>& out);

/// Appends callback.attempt for attempt number `number` of `a` at the
/// event whose state is now `ev` (pending: it will be retried).
void attempt_event(txn& t, const delivery_attempt& a, uint32_t number,
                   const callback_event& ev, int64_t now_ms,
                   std::vector<task_event>& out);

/// Appends task.progress from a live task's figures, unless the task is
/// no longer downloading (a late figure must not follow its end).
void progress_event(txn& t, const fetch_progress& p, int64_t now_ms,
                    std::vector<task_event>& out);

/// Trims the log to `keep`, a bounded step per call.
void trim_log(txn& t, const event_retention& keep, int64_t now_ms);

} // namespace skyhaul::storage::rules
