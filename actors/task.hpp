#pragma once

#include <caf/fwd.hpp>

#include "protocol/actors.hpp"

namespace skyhaul::storage {
class blob_store;
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

/// What a task actor needs from the rest of the system. Pointers outlive
/// every task.
struct task_deps {
  const settings* cfg = nullptr;
  storage::lmdb_env* db = nullptr;
  const storage::blob_store* blobs = nullptr;
  store_actor store;
  http_fetch_actor fetch;
  torrent_session_actor torrents;
  scheduler_actor scheduler;
};

/// Spawns the actor of a task that is about to download. It persists its
/// progress itself; its final record (paused, finished, failed, cancelled)
/// goes to the scheduler, which persists it, and the task quits.
task_actor spawn_task(caf::actor_system& sys, task_record rec,
                      const task_deps& deps);

/// Deletes a task's partial folder on a detached worker: unlinking a large
/// file can block for a while, and cooperative actors must not.
void remove_partial_later(caf::actor_system& sys,
                          const storage::blob_store* blobs, task_seq seq);

/// The object key a task stores its file under: `key`, or `target` joined
/// with the file name.
std::string object_key_for(const task_spec& spec, const std::string& name);

/// Backoff before attempt `tries + 1`: base * 2^(tries-1), capped, with up to
/// 25% jitter.
caf::timespan retry_delay(const settings& cfg, uint32_t tries);

} // namespace skyhaul
