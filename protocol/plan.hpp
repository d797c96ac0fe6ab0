#pragma once

// Entitlements of the Offcloud face: what a plan lets its users do. Plans
// come from the configuration (`plans`), a user names one (empty: the
// default plan).

#include <cstdint>
#include <string>
#include <vector>

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
  /// Sources on video-sharing sites (`settings::video_sites`); without it
  /// they answer `not_available:"video"`.
  bool video = true;
  /// Requests a user may make per UTC day; 0 for no limit.
  uint32_t links_per_day = 0;
  /// Bytes the user's finished downloads may hold; 0 for no limit
  /// (storage/rules/quota.hpp enforces it on every face).
  uint64_t storage_quota = 0;
};

/// The plan a user naming `name` has among `plans`: that plan, else (a
/// plan dropped from the configuration, or none named) `default_plan`,
/// else the first; with no plans configured, the built-in one that allows
/// everything.
inline const plan_config& plan_named(const std::vector<plan_config>& plans,
                                     const std::string& default_plan,
                                     const std::string& name) {
  static const plan_config everything{"default"};
  if (plans.empty())
    return everything;
  auto& want = name.empty() ? default_plan : name;
  for (auto& p : plans)
    if (p.name == want)
      return p;
  for (auto& p : plans)
    if (p.name == default_plan)
      return p;
  return plans.front();
}

} // namespace skyhaul
