#pragma once

#include "protocol/actors.hpp"
#include "protocol/settings.hpp"

#include <caf/fwd.hpp>

namespace skyhaul::storage {
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

/// Spawns the private tracker. It reads passkeys, posts and levels from
/// `db` (read transactions never block the writer) and writes its figures
/// through `store` in batches every `tracker_flush_ms`. The pointees must
/// outlive it.
tracker_actor spawn_tracker(caf::actor_system& sys, const settings* cfg,
                            storage::lmdb_env* db, store_actor store);

} // namespace skyhaul
