#pragma once

#include "protocol/actors.hpp"

#include <caf/fwd.hpp>

namespace skyhaul::storage {
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

/// Spawns the event hub: a detached actor, because a resume reads the
/// stored events from LMDB, which may take a while for a long absence.
/// `db` must outlive it.
event_hub_actor spawn_event_hub(caf::actor_system& sys,
                                storage::lmdb_env* db);

} // namespace skyhaul
