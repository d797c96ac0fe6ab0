#pragma once

#include <caf/fwd.hpp>

#include "protocol/actors.hpp"
#include "protocol/settings.hpp"

namespace skyhaul {

/// Spawns http_fetch: a thin actor in front of one curl multi loop on its
/// own thread. The loop stops and its thread is joined when the actor
/// exits.
http_fetch_actor spawn_http_fetch(caf::actor_system& sys, const settings& cfg);

/// True when `ip` (textual IPv4 or IPv6) is loopback, private, link-local,
/// CGNAT, unspecified, multicast, or an IPv4-mapped form of one of these:
/// addresses the network policy refuses by default.
bool is_private_address(const std::string& ip);

/// The file name a response suggests: `Content-Disposition` (filename*
/// first), else the last segment of the URL path, sanitised to a single
/// path segment; "download" when nothing usable is left.
std::string file_name_from(const std::string& content_disposition,
                           const std::string& url);

} // namespace skyhaul
