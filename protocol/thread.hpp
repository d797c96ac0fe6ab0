#pragma once

#include <cstdint>
#include <string>

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"

namespace skyhaul {

/// A reply to a post, optionally rating it.
struct thread_record {
  uint64_t tid = 0;
  uint64_t pid = 0;
  std::string content;
  int64_t post_time_ms = 0;
  /// 1-5; 0 when the reply does not rate.
  uint32_t rate = 0;
  user_id replyer = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, thread_record& x) {
  return f(x.tid, x.pid, x.content, x.post_time_ms, x.rate, x.replyer);
}

template <>
struct record_format<thread_record> : format_version<1, 0> {
  static constexpr const char* table = "threads";
};

} // namespace skyhaul
