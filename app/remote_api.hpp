#pragma once

// The actor behind `--publish` (remote_api_actor in protocol/actors.hpp):
// it names the user of every call by its api key, checks specs by the
// Task API's rules, and stands between the remote side and the internal
// actors, which never send anything to the other process themselves.

#include "protocol/actors.hpp"
#include "protocol/settings.hpp"

#include <caf/fwd.hpp>

namespace skyhaul::storage {
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

/// What the remote interface acts through; `cfg` and `db` outlive it.
struct remote_api_deps {
  const settings* cfg = nullptr;
  storage::lmdb_env* db = nullptr;
  scheduler_actor scheduler;
  event_hub_actor events;
};

/// Most subscriptions one user may hold through the remote interface.
constexpr size_t max_remote_subscriptions = 64;

/// Spawns the remote interface. Its event relays are linked to it: killing
/// it ends every remote subscription.
remote_api_actor spawn_remote_api(caf::actor_system& sys,
                                  remote_api_deps deps);

} // namespace skyhaul
