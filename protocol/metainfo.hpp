#pragma once

#include <cstdint>
#include <string>

#include "protocol/record_format.hpp"

namespace skyhaul {

/// The metainfo file of a post, as its author uploaded it; the info
/// dictionary inside is never changed, so the info-hash stays theirs.
struct metainfo_record {
  uint64_t pid = 0;
  std::string torrent;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metainfo_record& x) {
  return f(x.pid, x.torrent);
}

template <>
struct record_format<metainfo_record> : format_version<1, 0> {
  static constexpr const char* table = "metainfo";
};

} // namespace skyhaul
