#pragma once
// The body of the Offline API's `PUT /<bucket>` (seed 000), validated at
// the edge into a task_spec.

#include "protocol/task_spec.hpp"

#include <caf/error.hpp>
#include <string>

namespace skyhaul::http {

/// Parses a `PUT /<bucket>` body into `spec` for `bucket`. Accepts the
/// seed's own examples: trailing commas and `//` comments. `Url` is an
/// http(s) URL (one whose path ends in `.torrent` is a BitTorrent source)
/// or a `magnet:` link; `Files` chooses files of a BitTorrent source only.
/// Returns `ec::invalid_uri` for an unparseable URL, an unsupported scheme
/// or a magnet link without a usable info-hash, and
/// `ec::invalid_argument` for anything else, with a message naming the
/// element. `malformed` is set when the body is not JSON at all.
caf::error parse_offline_body(const std::string& body,
                              const std::string& bucket, task_spec& spec,
                              bool& malformed);

} // namespace skyhaul::http
