#include "protocol/source.hpp"

#include "protocol/text.hpp"
#include "protocol/task_spec.hpp"

#include <cctype>

namespace skyhaul {

namespace {

bool all_hex(std::string_view s) {
  for (auto c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

/// Decodes `%XX` escapes; false on a broken escape.
bool unescape(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || !all_hex(in.substr(i + 1, 2)))
      return false;
    out += static_cast<char>(std::stoi(std::string{in.substr(i + 1, 2)},
                                       nullptr, 16));
    i += 2;
  }
  return true;
}

/// RFC 4648 base32 (upper or lower case) of 20 bytes, as hex.
std::optional<std::string> base32_to_hex(std::string_view s) {
  if (s.size() != 32)
    return std::nullopt;
  std::string bytes;
  uint64_t acc = 0;
  int bits = 0;
  for (auto c : s) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a';
    else if (c >= '2' && c <= '7')
      v = c - '2' + 26;
    else
      return std::nullopt;
    acc = (acc << 5) | static_cast<uint64_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (auto b : bytes) {
    hex += digits[(static_cast<unsigned char>(b) >> 4) & 0xf];
    hex += digits[static_cast<unsigned char>(b) & 0xf];
  }
  return hex;
}

} // namespace

bool is_torrent_url(std::string_view url) {
  auto path = url.substr(0, url.find_first_of("?#"));
  constexpr std::string_view ext = ".torrent";
  return path.size() > ext.size()
         && ascii_lower(path.substr(path.size() - ext.size())) == ext;
}

source_kind source_of(const task_spec& spec) {
  if (!spec.torrent.empty())
    return source_kind::torrent_file;
  if (spec.url.size() >= 7 && ascii_lower(spec.url.substr(0, 7)) == "magnet:")
    return source_kind::magnet;
  if (is_torrent_url(spec.url))
    return source_kind::torrent_url;
  return source_kind::http;
}

std::optional<std::string> magnet_info_hash(std::string_view uri) {
  if (uri.size() < 8 || ascii_lower(uri.substr(0, 8)) != "magnet:?")
    return std::nullopt;
  std::optional<std::string> v1;
  std::optional<std::string> v2;
  auto query = uri.substr(8);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      continue;
    auto name = ascii_lower(pair.substr(0, eq));
    // `xt`, `xt.1`, `xt.2`... all name exact topics.
    if (name != "xt" && name.compare(0, 3, "xt.") != 0)
      continue;
    std::string value;
    if (!unescape(pair.substr(eq + 1), value))
      continue;
    auto lv = ascii_lower(value);
    if (lv.compare(0, 9, "urn:btih:") == 0) {
      auto h = std::string_view{value}.substr(9);
      if (h.size() == 40 && all_hex(h))
        v1 = ascii_lower(h);
      else if (auto hex = base32_to_hex(h))
        v1 = *hex;
    } else if (lv.compare(0, 9, "urn:btmh:") == 0) {
      // A multihash: 0x12 (sha2-256), 0x20 (32 bytes), then the digest.
      auto h = std::string_view{lv}.substr(9);
      if (h.size() == 68 && h.substr(0, 4) == "1220" && all_hex(h))
        v2 = std::string{h.substr(4)};
    }
  }
  if (v1)
    return v1;
  return v2;
}

} // namespace skyhaul
