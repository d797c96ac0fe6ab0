#pragma once

#include <caf/fwd.hpp>

#include "protocol/actors.hpp"

namespace skyhaul::storage {
class blob_store;
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

/// Spawns the store: a detached actor, because an LMDB commit blocks on
/// fsync. Both pointers must outlive it.
store_actor spawn_store(caf::actor_system& sys, storage::lmdb_env* db,
                        const storage::blob_store* blobs);

} // namespace skyhaul
