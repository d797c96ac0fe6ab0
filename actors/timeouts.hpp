#pragma once

// How long an actor waits for another's reply before it treats the request
// as lost. One place, so every caller of a component waits alike.

#include <chrono>

namespace skyhaul {

/// A write to the store: a group commit with fsync, behind whatever queued
/// up first, so it may take long on a slow disk.
constexpr auto store_timeout = std::chrono::seconds(60);

/// A request to the torrent session: adding, pausing (saves resume data)
/// or removing a torrent (lets go of its files).
constexpr auto session_timeout = std::chrono::seconds(60);

} // namespace skyhaul
