#pragma once

// How the one lt::session is configured: libtorrent's settings from ours,
// and the ip filter of the network policy.

#include <libtorrent/fwd.hpp>

namespace skyhaul {

struct settings;

/// libtorrent's settings for `cfg`: listen interfaces, DHT, LSD, port
/// mapping, encryption, uTP, limits, the alerts the session pumps, and room
/// for fast local swarms.
libtorrent::settings_pack make_settings(const settings& cfg);

/// The network policy's refused ranges, minus `--allow-network`, for
/// peers and trackers alike.
libtorrent::ip_filter private_filter(const settings& cfg);

} // namespace skyhaul
