#include "protocol/ids.hpp"

#include <chrono>
#include <cstdio>

namespace skyhaul {

std::string format_tid(task_seq seq) {
  char buf[21];
  std::snprintf(buf, sizeof(buf), "0000%016llx",
                static_cast<unsigned long long>(seq));
  return buf;
}

std::optional<task_seq> parse_tid(std::string_view tid) {
  if (tid.size() != 20 || tid.substr(0, 4) != "0000")
    return std::nullopt;
  task_seq seq = 0;
  for (auto c : tid.substr(4)) {
    unsigned v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else
      return std::nullopt;
    seq = (seq << 4) | v;
  }
  if (seq == 0)
    return std::nullopt;
  return seq;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace skyhaul
