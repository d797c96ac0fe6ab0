#pragma once

#include "protocol/actors.hpp"

#include <caf/fwd.hpp>

namespace skyhaul::storage {
class blob_store;
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

/// Spawns the community actor: writes go to `store`, changed posts are
/// told to `tracker`, fetches become tasks of `scheduler`. `db` (read
/// only) and `blobs` (a posted task's files, for a torrent made of them)
/// must outlive it.
community_actor spawn_community(caf::actor_system& sys, storage::lmdb_env* db,
                                store_actor store, tracker_actor tracker,
                                scheduler_actor scheduler,
                                const storage::blob_store* blobs);

} // namespace skyhaul
