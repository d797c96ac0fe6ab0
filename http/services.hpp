#pragma once

#include "protocol/actors.hpp"
#include "protocol/settings.hpp"

#include <caf/fwd.hpp>
#include <memory>
#include <string>

namespace skyhaul::storage {
class blob_store;
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul::base {
class secretbox;
} // namespace skyhaul::base

namespace skyhaul::http {

/// What the faces reach: the actors, read access to LMDB (for credentials
/// and objects), the blob files and the settings. All outlive the server.
struct services {
  caf::actor_system* sys = nullptr;
  scheduler_actor scheduler;
  /// The only LMDB writer: buckets and object deletes go through it.
  store_actor store;
  /// The community face's writes and fetches, and its tracker.
  community_actor community;
  tracker_actor tracker;
  /// Live events: what `GET /events` subscribes to.
  event_hub_actor events;
  storage::lmdb_env* db = nullptr;
  const storage::blob_store* blobs = nullptr;
  const settings* cfg = nullptr;
  /// HMAC key of signed download links.
  std::string link_secret;
  /// Seals the secrets of remote accounts before they go to the store.
  std::shared_ptr<const base::secretbox> secrets;
};

} // namespace skyhaul::http
