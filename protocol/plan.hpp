#pragma once

// Entitlements of the Offcloud face: what a plan lets its users do. Plans
// come from the configuration (`plans`), a user names one (empty: the
// default plan).

#include <cstdint>
#include <string>

namespace skyhaul {

/// One plan. A request its plan does not allow answers
/// `{"not_available":"<what>"}` and starts nothing.
struct plan_config {
  std::string name;
  /// Downloads kept in the cloud (`/api/cloud`).
  bool cloud = true;
  /// Pushes to the user's own storage (`/api/remote`).
  bool remote = true;
  /// Streamed downloads (`/api/instant`).
  bool instant = true;
  /// Downloads through a configured proxy (`proxyId`).
  bool proxy = true;
  /// BitTorrent sources (magnets, .torrent URLs and uploads).
  bool torrent = true;
  /// Shown as the account's `isPremium`; a plan without it gets
  /// `not_available:"premium"` for sources beyond plain HTTP(S) files.
  bool premium = true;
  /// Video-site sources; Skyhaul fetches files, not players' pages, so a
  /// plan without it refuses nothing more than one with it.
  bool video = true;
  /// Requests a user may make per UTC day; 0 for no limit.
  uint32_t links_per_day = 0;
  /// Bytes the user's finished downloads may hold; 0 for no limit.
  uint64_t storage_quota = 0;
};

} // namespace skyhaul
