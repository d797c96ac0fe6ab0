#include "http/validate.hpp"

#include "protocol/source.hpp"
#include "protocol/task_spec.hpp"

#include <cctype>
#include <cstdint>

namespace skyhaul::http {

bool valid_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63)
    return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name.front()) || !alnum(name.back()))
    return false;
  int dots = 0;
  bool all_digits_dots = true;
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = name[i];
    if (!alnum(c) && c != '.' && c != '-')
      return false;
    if (c == '.') {
      ++dots;
      if (i > 0 && name[i - 1] == '.')
        return false;
    } else if (!(c >= '0' && c <= '9')) {
      all_digits_dots = false;
    }
  }
  return !(all_digits_dots && dots == 3);
}

std::optional<std::string> check_source_url(const task_spec& spec) {
  if (spec.url.size() > max_url_length)
    return "longer than " + std::to_string(max_url_length) + " bytes";
  if (source_of(spec) == source_kind::magnet) {
    if (!magnet_info_hash(spec.url))
      return std::string{"the magnet link has no usable info-hash "
                         "(xt=urn:btih:... or xt=urn:btmh:...)"};
    return std::nullopt;
  }
  return check_url(spec.url, true);
}

std::optional<std::string> check_http_url(std::string_view url) {
  return check_url(url, false);
}

std::optional<std::string> check_url(std::string_view url, bool files) {
  if (url.empty())
    return "the url is empty";
  if (url.size() > max_url_length)
    return "the url is longer than 8192 bytes";
  for (auto c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f)
      return "the url contains spaces or control characters";
  }
  // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  auto colon = url.find(':');
  bool has_scheme = colon != std::string_view::npos && colon > 0
                    && std::isalpha(static_cast<unsigned char>(url[0]));
  for (size_t i = 0; has_scheme && i < colon; ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    has_scheme = std::isalnum(c) || c == '+' || c == '-' || c == '.';
  }
  if (!has_scheme)
    return "the url has no scheme";
  std::string scheme;
  for (auto c : url.substr(0, colon))
    scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto file_scheme = scheme == "ftp" || scheme == "ftps" || scheme == "ftpes"
                     || scheme == "sftp";
  if (scheme != "http" && scheme != "https" && !(files && file_scheme))
    return "unsupported scheme: " + scheme;
  if (url.substr(colon + 1, 2) != "//")
    return "the url has no host";
  auto rest = url.substr(colon + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  auto at = authority.rfind('@');
  if (at != std::string_view::npos)
    authority = authority.substr(at + 1);
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1)
      return "the url has a malformed IPv6 host";
    host = authority.substr(0, close + 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return "the url has a malformed IPv6 host";
      port = after.substr(1);
    }
  } else if (auto c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty())
    return "the url has no host";
  if (host.front() != '[')
    for (auto c : host)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.'
          && c != '-' && c != '_' && c != '%')
        return "the url has an invalid host";
  if (!port.empty()
      && (port.size() > 5
          || port.find_first_not_of("0123456789") != std::string_view::npos
          || std::stoul(std::string{port}) > 65535))
    return "the url has an invalid port";
  return std::nullopt;
}

std::optional<std::string>
check_file_names(const std::vector<std::string>& names) {
  if (names.size() > max_wanted_files)
    return "more than " + std::to_string(max_wanted_files) + " names";
  for (auto& name : names) {
    if (name.empty())
      return std::string{"a name is empty"};
    if (name.size() > max_file_name_length)
      return "a name is longer than " + std::to_string(max_file_name_length)
             + " bytes";
    for (auto c : name)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        return std::string{"a name holds a control character"};
    // Torrent paths are UTF-8: another name could never match one.
    if (!valid_utf8(name))
      return std::string{"a name is not valid UTF-8"};
  }
  return std::nullopt;
}

std::optional<std::string> check_bencoded_dict(std::string_view b) {
  auto at = [](const char* why, size_t pos) {
    return std::string{why} + " at byte " + std::to_string(pos);
  };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (b.empty())
    return std::string{"it is empty"};
  if (b.front() != 'd')
    return std::string{"it is not a bencoded dictionary"};
  // libtorrent's bdecode stops at 100 levels (the daemon uses that limit):
  // a 101st is refused there too.
  constexpr size_t max_depth = 100;
  struct frame {
    bool dict;
    bool want_key;
  };
  std::vector<frame> open;
  const size_t n = b.size();
  size_t i = 0;
  for (;;) {
    if (i >= n)
      return at("unexpected end", i);
    auto c = b[i];
    auto* parent = open.empty() || !open.back().dict ? nullptr : &open.back();
    if (parent && parent->want_key && c != 'e' && !digit(c))
      return at("a dictionary key is not a string", i);
    if (c == 'e') {
      if (parent && !parent->want_key)
        return at("a dictionary key has no value", i);
      open.pop_back();
      ++i;
    } else if (c == 'd' || c == 'l') {
      if (parent)
        parent->want_key = !parent->want_key;
      if (open.size() == max_depth)
        return at("nested deeper than 100 levels", i);
      open.push_back({c == 'd', true});
      ++i;
    } else if (c == 'i') {
      auto j = i + 1;
      if (j < n && b[j] == '-')
        ++j;
      size_t digits = 0;
      for (; j < n && digit(b[j]); ++j)
        ++digits;
      if (j >= n)
        return at("unexpected end", j);
      if (b[j] != 'e' || digits == 0)
        return at("malformed integer", i);
      if (digits > 20)
        return at("integer overflow", i);
      if (parent)
        parent->want_key = !parent->want_key;
      i = j + 1;
    } else if (digit(c)) {
      uint64_t len = 0;
      auto j = i;
      for (; j < n && digit(b[j]); ++j)
        if (len <= n) // beyond n it is too long anyway; no overflow
          len = len * 10 + static_cast<uint64_t>(b[j] - '0');
      if (j >= n)
        return at("unexpected end", j);
      if (b[j] != ':')
        return at("malformed string length", i);
      if (len > n - j - 1)
        return at("a string runs past the end", i);
      if (parent)
        parent->want_key = !parent->want_key;
      i = j + 1 + len;
    } else {
      return at("expected a value", i);
    }
    if (open.empty())
      return std::nullopt;
  }
}

bool normalise_hex(std::string& hex, size_t digits) {
  if (hex.empty() || hex.size() > digits
      || (hex.size() != digits && digits != 8))
    return false;
  for (auto& c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return false;
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() < digits)
    hex.insert(0, digits - hex.size(), '0');
  return true;
}

} // namespace skyhaul::http

namespace skyhaul::http {

std::optional<std::string> check_file_choice(const task_spec& spec) {
  if (spec.files.empty())
    return std::nullopt;
  if (!is_torrent(source_of(spec)))
    return "chooses files of a BitTorrent source; this source is HTTP";
  return check_file_names(spec.files);
}

} // namespace skyhaul::http
