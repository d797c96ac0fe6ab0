#pragma once

#include <cstdint>
#include <string>

#include "protocol/record_format.hpp"

namespace skyhaul {

/// A community level: what a user's credit and transfer figures must
/// reach to hold it. Levels rank by `minimum`, then by `lid`.
struct level_record {
  uint32_t lid = 0;
  std::string name;
  /// Credit needed.
  uint64_t minimum = 0;
  uint64_t min_upload_bytes = 0;
  uint64_t min_download_bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, level_record& x) {
  return f(x.lid, x.name, x.minimum, x.min_upload_bytes,
           x.min_download_bytes);
}

template <>
struct record_format<level_record> : format_version<1, 0> {
  static constexpr const char* table = "levels";
};

} // namespace skyhaul
