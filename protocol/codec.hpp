#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "protocol/error.hpp"

namespace skyhaul {

/// Encodes a message type with its `inspect` into bytes (the LMDB value
/// format). The format is CAF's binary serialization.
template <class T>
std::string encode(const T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  if (auto err = sink(const_cast<T&>(x)))
    return {};
  return std::string(buf.begin(), buf.end());
}

/// Decodes bytes made by `encode`; false when they are malformed.
template <class T>
bool decode(std::string_view bytes, T& x) {
  caf::binary_deserializer src{static_cast<caf::execution_unit*>(nullptr),
                               bytes.data(), bytes.size()};
  return !src(x) && src.remaining() == 0;
}

} // namespace skyhaul
