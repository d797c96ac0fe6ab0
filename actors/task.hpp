#pragma once

#include <caf/fwd.hpp>

#include "actors/task_helpers.hpp"
#include "protocol/actors.hpp"

namespace skyhaul::storage {
class blob_store;
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

class disk_pool;

/// What a task actor needs from the rest of the system. Pointers outlive
/// every task.
struct task_deps {
  const settings* cfg = nullptr;
  storage::lmdb_env* db = nullptr;
  const storage::blob_store* blobs = nullptr;
  /// Blocking file work (partial folders, fsync) of every task.
  disk_pool* disk = nullptr;
  store_actor store;
  http_fetch_actor fetch;
  torrent_session_actor torrents;
  scheduler_actor scheduler;
};

/// Spawns the actor of a task that is about to download. While it lives it
/// is the only writer of its record: its progress, and its final record
/// (paused, finished, failed, cancelled), which is durable before anyone
/// hears of it. Then it waits for the scheduler to let it go (an exit
/// message), so every request the scheduler sent it before still finds it.
task_actor spawn_task(caf::actor_system& sys, task_record rec,
                      const task_deps& deps);

} // namespace skyhaul
