#pragma once

// How the one lt::session is configured: libtorrent's settings from ours,
// and the ip filter of the network policy.

#include <libtorrent/fwd.hpp>
#include <string>
#include <utility>
#include <vector>

namespace skyhaul {

struct settings;

/// libtorrent's settings for `cfg`: listen interfaces, DHT, LSD, port
/// mapping, encryption, uTP, limits, the alerts the session pumps, and room
/// for fast local swarms.
libtorrent::settings_pack make_settings(const settings& cfg);

/// The network policy's refused ranges, minus `--allow-network`, for
/// peers and trackers alike.
libtorrent::ip_filter private_filter(const settings& cfg);

/// The ip filter does not cover the DHT: contacts a .torrent (`nodes`) or
/// a magnet link (`dht=`) names would get its packets wherever they are.
/// These keep only the contacts that are addresses the network policy
/// allows (names cannot be checked before libtorrent resolves them);
/// without the policy (`--allow-private-networks`) all stay.
std::string policy_dht_nodes(const settings& cfg, const std::string& metainfo);
void policy_dht_nodes(const settings& cfg,
                      std::vector<std::pair<std::string, int>>& nodes);

} // namespace skyhaul
