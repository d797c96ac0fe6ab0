#pragma once

// A torrent task's wanted files while it has no actor (waiting, paused,
// failed): checked against the metadata it keeps (its `.torrent`, or the
// info dictionary in its resume data) and stored for its next start.

#include "actors/scheduler_internal.hpp"

#include <string>
#include <vector>

namespace skyhaul::sched {

/// Stores `names` as the wanted files of user `uid`'s task `seq`, which
/// has no actor; `done` gets the status once durable, or the error.
void choose_stored(sched_ptr self, user_id uid, task_seq seq,
                   std::vector<std::string> names,
                   std::function<void(caf::expected<task_status>)> done);

} // namespace skyhaul::sched
