#include "protocol/object_key.hpp"

#include <cstdint>

namespace skyhaul {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size())
      return false;
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800)
        || (n == 3 && cp < 0x10000) || cp > 0x10ffff
        || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

std::optional<std::string> check_object_key(std::string_view key) {
  if (key.empty())
    return "the key is empty";
  if (key.size() > max_key_length)
    return "the key is longer than 1024 bytes";
  if (!valid_utf8(key))
    return "the key is not valid UTF-8";
  for (auto c : key) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return "the key contains a control character";
    if (c == '\\')
      return "the key contains a backslash";
  }
  if (key.front() == '/')
    return "the key starts with '/'";
  size_t pos = 0;
  while (pos <= key.size()) {
    auto slash = key.find('/', pos);
    auto seg = key.substr(pos, slash == std::string_view::npos
                                 ? std::string_view::npos
                                 : slash - pos);
    if (seg == "." || seg == "..")
      return "the key contains a '.' or '..' segment";
    if (seg.empty() && slash != std::string_view::npos)
      return "the key contains '//'";
    if (slash == std::string_view::npos)
      break;
    pos = slash + 1;
  }
  return std::nullopt;
}

} // namespace skyhaul
