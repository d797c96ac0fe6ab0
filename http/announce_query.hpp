#pragma once

// The query of a tracker's announce (BEP 3) and scrape: pure parsing,
// apart from the tracker face (http/tracker_face.cpp) so it can be tested
// and fuzzed alone.

#include "http/message.hpp"
#include "protocol/announce.hpp"

#include <string>
#include <utility>
#include <vector>

namespace skyhaul::http {

/// The raw query pairs of `target`, decoded: a scrape repeats `info_hash`,
/// and binary values must not have '+' read as a space.
std::vector<std::pair<std::string, std::string>> raw_query_pairs(
    const std::string& target);

/// Reads the announce of `req` (its `passkey` parameter, target and peer)
/// into `a` and `compact`. Returns why it is malformed, or "".
std::string parse_announce(const request& req, announce_request& a,
                           bool& compact);

} // namespace skyhaul::http
