#pragma once
// The `idcs` element of the config file: a list of remote S3 endpoints.

#include "protocol/idc.hpp"

#include <rapidjson/fwd.h>
#include <string>
#include <vector>

namespace skyhaul {

/// Reads `[{"name":…,"endpoint":…,"region":…,"access_key":…,
/// "secret_key":…,"bucket":…,"bucket_map":{…},"multipart_threshold":…,
/// "part_size":…}, …]`. Throws `std::invalid_argument` naming the problem.
std::vector<idc_config> parse_idcs(const rapidjson::Value& v);

} // namespace skyhaul
