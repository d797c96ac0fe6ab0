#pragma once

#include <cstdint>
#include <string>

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"

namespace skyhaul {

/// A community post: one torrent and its description (seed 003).
struct post_record {
  uint64_t pid = 0;
  std::string title;
  std::string content;
  bool enabled = true;
  /// The level a user needs to download the torrent (a level's lid).
  uint32_t min_level = 0;
  int64_t post_time_ms = 0;
  /// Lower-case hex of the v1 info-hash; empty before the upload.
  std::string info_hash;
  /// Total bytes of the torrent's files.
  uint64_t size = 0;
  user_id author = 0;
  /// Sum and count of its threads' rates, for the average.
  uint64_t rate_sum = 0;
  uint32_t rate_count = 0;
  uint32_t thread_count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, post_record& x) {
  return f(x.pid, x.title, x.content, x.enabled, x.min_level, x.post_time_ms,
           x.info_hash, x.size, x.author, x.rate_sum, x.rate_count,
           x.thread_count);
}

template <>
struct record_format<post_record> : format_version<1, 0> {
  static constexpr const char* table = "posts";
};

} // namespace skyhaul
