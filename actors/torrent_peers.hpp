#pragma once

// The peers of a torrent as a task's status lists them.

#include <vector>

#include <libtorrent/fwd.hpp>

#include "protocol/torrent.hpp"

namespace skyhaul {

/// The connected peers of `h` (handshake done), fastest downloads first,
/// at most `max_listed_peers`. A synchronous call into libtorrent's network
/// thread (libtorrent 2.0.8 has no alert for peer lists): the session asks
/// once per state update of a torrent that has peers, not per status query.
std::vector<torrent_peer> listed_peers(const lt::torrent_handle& h);

} // namespace skyhaul
