#pragma once

#include "protocol/actors.hpp"
#include "protocol/settings.hpp"

#include <caf/fwd.hpp>
#include <chrono>
#include <memory>
#include <string>

namespace skyhaul::storage {
class blob_store;
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul::base {
class secretbox;
} // namespace skyhaul::base

namespace skyhaul {

class curl_loop;
class disk_pool;

/// Asks `who` to exit and waits for it `limit` at most, so a stop can never
/// hang on an actor that does not exit (a handler stuck in a call, say):
/// then a line on stderr names `name` and the caller goes on. True when it
/// exited in time; a null handle counts as exited.
bool stop_within(caf::scoped_actor& self, const caf::actor& who,
                 const std::string& name, std::chrono::milliseconds limit);

/// Skyhaul's actors inside a caller's `caf::actor_system`: the entry point
/// for C++ programs that embed the service, and what `skyhauld` runs.
class runtime {
public:
  /// Opens the data directory and spawns store, http_fetch, the torrent
  /// session, callback, uploader, pusher, scheduler, tracker and community.
  /// Throws std::runtime_error when the data directory cannot be used.
  runtime(caf::actor_system& sys, settings cfg);
  ~runtime();

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Graceful stop: tasks stop (their partial bytes stay), the store
  /// commits what it holds, then every actor quits. Idempotent.
  void shutdown();

  const settings& cfg() const {
    return cfg_;
  }
  scheduler_actor scheduler() const {
    return scheduler_;
  }
  store_actor store() const {
    return store_;
  }
  tracker_actor tracker() const {
    return tracker_;
  }
  community_actor community() const {
    return community_;
  }
  /// Subscriptions to users' and tasks' events.
  event_hub_actor events() const {
    return events_;
  }
  storage::lmdb_env& db() {
    return *db_;
  }
  const storage::blob_store& blobs() const {
    return *blobs_;
  }

  /// Seals and opens the secrets of remote accounts; its key is created
  /// on first start (`<data>/secret.key`, mode 0600).
  std::shared_ptr<const base::secretbox> secrets() const {
    return secrets_;
  }

  /// The key of signed download links, created on first start.
  const std::string& link_secret() const {
    return link_secret_;
  }

private:
  caf::actor_system& sys_;
  settings cfg_;
  std::unique_ptr<storage::lmdb_env> db_;
  std::unique_ptr<storage::blob_store> blobs_;
  /// Carries every fetch, callback and replica upload.
  std::shared_ptr<curl_loop> curl_;
  /// After the database and the blobs: its last jobs still use them.
  std::unique_ptr<disk_pool> disk_;
  store_actor store_;
  http_fetch_actor fetch_;
  torrent_session_actor torrents_;
  callback_actor callback_;
  uploader_actor uploader_;
  pusher_actor pusher_;
  std::shared_ptr<const base::secretbox> secrets_;
  scheduler_actor scheduler_;
  tracker_actor tracker_;
  community_actor community_;
  std::string link_secret_;
  event_hub_actor events_;
  bool stopped_ = false;
};

} // namespace skyhaul
