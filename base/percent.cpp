#include "base/percent.hpp"

#include "base/hex.hpp"

namespace skyhaul {

namespace {

/// Percent-encodes every byte outside the unreserved set of RFC 3986.
std::string encode_unreserved(std::string_view s, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                 || (c >= '0' && c <= '9') || c == '-' || c == '_'
                 || c == '.' || c == '~' || (keep_slash && c == '/');
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

} // namespace

std::string url_decode(const std::string& s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0
        && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string url_encode(const std::string& s, bool keep_slash) {
  return encode_unreserved(s, keep_slash);
}

std::string aws_uri_encode(std::string_view s, bool keep_slash) {
  return encode_unreserved(s, keep_slash);
}

} // namespace skyhaul

namespace skyhaul {

std::vector<std::pair<std::string, std::string>>
split_raw_query(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos <= raw_query.size()) {
    auto amp = raw_query.find('&', pos);
    auto part = raw_query.substr(pos, amp == std::string_view::npos
                                          ? std::string_view::npos
                                          : amp - pos);
    if (!part.empty()) {
      auto eq = part.find('=');
      out.emplace_back(std::string{part.substr(0, eq)},
                       eq == std::string_view::npos
                           ? std::string{}
                           : std::string{part.substr(eq + 1)});
    }
    if (amp == std::string_view::npos)
      break;
    pos = amp + 1;
  }
  return out;
}

} // namespace skyhaul
