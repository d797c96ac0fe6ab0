#pragma once

#include "protocol/actors.hpp"
#include "protocol/settings.hpp"

#include <caf/fwd.hpp>
#include <memory>

namespace skyhaul::base {
class secretbox;
} // namespace skyhaul::base

namespace skyhaul::storage {
class blob_store;
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

class curl_loop;

/// Spawns the pusher: it loads the owed pushes from LMDB at start and on
/// `wake`, runs them as jobs on `loop` (a few at a time), opens each
/// account's secret with `secrets` only for the attempt, and reports each
/// attempt to the store, which decides whether it is tried again.
pusher_actor spawn_pusher(caf::actor_system& sys, const settings& cfg,
                          storage::lmdb_env* db,
                          const storage::blob_store* blobs, store_actor store,
                          std::shared_ptr<curl_loop> loop,
                          std::shared_ptr<const base::secretbox> secrets);

} // namespace skyhaul
