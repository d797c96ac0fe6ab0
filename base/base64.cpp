#include "base/base64.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace skyhaul {

namespace {

constexpr char b64_digits[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  auto p = std::strchr(b64_digits, c);
  return c == '\0' || p == nullptr ? -1 : static_cast<int>(p - b64_digits);
}

} // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (size_t i = 0; i < data.size(); i += 3) {
    auto n = std::min<size_t>(3, data.size() - i);
    uint32_t v = static_cast<unsigned char>(data[i]) << 16;
    if (n > 1)
      v |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (n > 2)
      v |= static_cast<unsigned char>(data[i + 2]);
    out += b64_digits[(v >> 18) & 63];
    out += b64_digits[(v >> 12) & 63];
    out += n > 1 ? b64_digits[(v >> 6) & 63] : '=';
    out += n > 2 ? b64_digits[v & 63] : '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int pad = 0;
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) {
      auto c = text[i + j];
      if (c == '=' && last && j >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      auto d = b64_value(c);
      if (d < 0 || pad > 0)
        return std::nullopt;
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out += static_cast<char>((v >> 16) & 0xff);
    if (pad < 2)
      out += static_cast<char>((v >> 8) & 0xff);
    if (pad < 1)
      out += static_cast<char>(v & 0xff);
  }
  return out;
}

} // namespace skyhaul
