#pragma once

#include <cstdint>
#include <string>
#include "protocol/enum_range.hpp"

namespace skyhaul {

/// What to do when the target object key already exists (seed 000).
enum class on_key_exist : uint8_t {
  override_ = 0,
  ignore,
  ignore_same_md5,
  ignore_same_sha1,
  ignore_same_crc32,
  ignore_same_checksum,
  ignore_same_size,
};

template <>
struct enum_range<on_key_exist> {
  static constexpr auto last = on_key_exist::ignore_same_size;
};

/// Returns the seed's spelling, e.g. `"ignore-same-md5"`.
const char* to_string(on_key_exist x);

/// Parses the seed's spelling; returns false for unknown words.
bool from_string(const std::string& str, on_key_exist& x);

} // namespace skyhaul
