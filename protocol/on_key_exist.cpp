#include "protocol/on_key_exist.hpp"

namespace skyhaul {

namespace {

constexpr const char* names[] = {
  "override",          "ignore",           "ignore-same-md5",
  "ignore-same-sha1",  "ignore-same-crc32", "ignore-same-checksum",
  "ignore-same-size",
};

} // namespace

const char* to_string(on_key_exist x) {
  auto i = static_cast<size_t>(x);
  return i < sizeof(names) / sizeof(names[0]) ? names[i] : "override";
}

bool from_string(const std::string& str, on_key_exist& x) {
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i)
    if (str == names[i]) {
      x = static_cast<on_key_exist>(i);
      return true;
    }
  return false;
}

} // namespace skyhaul
