#pragma once

// The tracker's error shape: a bencoded dictionary with `failure reason`
// (BEP 3), the only error a BitTorrent client reads from an announce.

#include "http/message.hpp"

#include <string>

namespace skyhaul::http {

/// `d14:failure reason<n>:<reason>e`, as text/plain with status 200:
/// clients (libtorrent among them) show the reason only of a 200 reply and
/// report any other status as a bare HTTP error.
reply tracker_failure(const std::string& reason);

} // namespace skyhaul::http
