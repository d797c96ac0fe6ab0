#pragma once

// The durable event log behind `GET /events` and the event subscription.
// `events` holds each user's events by owner and id, so a user's replay is
// one range read; `event_ids` lists every id in log order with its owner,
// so trimming takes the oldest first whoever they belong to. Ids are
// contiguous: every id up to the newest is stored until it is trimmed,
// and trims go oldest first, so "newest minus trimmed" is the count kept.

#include "protocol/event.hpp"
#include "storage/lmdb_env.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>

namespace skyhaul::storage {

/// Appends `ev` to the log under the next id, which it gets and which is
/// returned. Its `at_ms` is kept as given.
uint64_t append_event(txn& t, task_event& ev);

/// The newest id ever given (0: none yet).
uint64_t newest_event_id(const txn& t);

/// The newest id trimmed away (0: none): a resume point below it may have
/// missed events that are gone.
uint64_t trimmed_event_id(const txn& t);

/// Visits the stored events of `owner` (0: every user's) with an id above
/// `after`, in id order, while `fn` returns true.
void read_events(const txn& t, user_id owner, uint64_t after,
                 const std::function<bool(const task_event&)>& fn);

/// Removes the oldest events while more than `keep` are stored or the
/// oldest is older than `min_at_ms`, at most `max_steps` of them (a
/// bounded step, so one commit never carries a large delete). Returns how
/// many went.
size_t trim_events(txn& t, uint64_t keep, int64_t min_at_ms,
                   size_t max_steps);

} // namespace skyhaul::storage
