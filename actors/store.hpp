#pragma once

#include "protocol/actors.hpp"
#include "storage/rules/quota.hpp"

#include <caf/fwd.hpp>
#include <string>
#include <vector>

namespace skyhaul::storage {
class blob_store;
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

/// Spawns the store: a detached actor, because an LMDB commit blocks on
/// fsync. Both pointers must outlive it. `idcs` names the configured IDCs:
/// each finished task owes a replica of each concrete file to each.
/// `push_max_tries` bounds the attempts at a push to a remote account.
/// `quotas` are the plans' storage quotas: a task that would finish past
/// its owner's fails instead (storage/rules/quota.hpp).
store_actor spawn_store(caf::actor_system& sys, storage::lmdb_env* db,
                        const storage::blob_store* blobs,
                        std::vector<std::string> idcs = {},
                        uint32_t replica_max_tries = 8,
                        uint32_t push_max_tries = 8,
                        storage::rules::quota_rule quotas = {});

} // namespace skyhaul
