#pragma once
// The Offcloud face's elements of the config file: `plans` and
// `cors_origins`.

#include "protocol/plan.hpp"

#include <rapidjson/fwd.h>
#include <string>
#include <vector>

namespace skyhaul {

/// Reads `[{"name":…,"cloud":bool,"remote":bool,"instant":bool,
/// "proxy":bool,"torrent":bool,"premium":bool,"video":bool,
/// "links_per_day":n,"storage_quota":n}, …]`; absent flags allow. Throws
/// `std::invalid_argument` naming the problem.
std::vector<plan_config> parse_plans(const rapidjson::Value& v);

/// Reads `["https://app.example", …]`: origins as browsers send them
/// (scheme, host, optional port, no path), or "*".
std::vector<std::string> parse_cors_origins(const rapidjson::Value& v);

} // namespace skyhaul
