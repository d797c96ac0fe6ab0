#include "storage/object_list.hpp"

#include "protocol/codec.hpp"

namespace skyhaul::storage {

namespace {

constexpr char b64_digits[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

/// The smallest string above every string that starts with `s`, or
/// nullopt when there is none (`s` is all 0xff bytes).
std::optional<std::string> successor(std::string s) {
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff)
    s.pop_back();
  if (s.empty())
    return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

} // namespace

list_page list_objects(const txn& t, std::string_view bucket,
                       const list_request& q) {
  list_page page;
  std::string base{bucket};
  base += '\0';
  auto low = base + q.prefix;
  auto from = low;
  if (!q.start_after.empty()) {
    // The smallest table key above bucket/start_after.
    auto after = base + q.start_after + '\0';
    if (after > low) {
      // Past every key with the prefix: nothing to list.
      if (!starts_with(after, low))
        return page;
      from = std::move(after);
    }
  }
  size_t count = 0;
  bool done = false;
  // Adds one entry; false once the page is full (and then only notes that
  // more follow).
  auto take = [&](std::string name) {
    if (count == q.max_keys) {
      page.truncated = true;
      done = true;
      return false;
    }
    ++count;
    page.last = std::move(name);
    return true;
  };
  for (;;) {
    // A common prefix ends the scan and restarts it past its keys, so that
    // a folder of a million keys costs one seek, not a million steps.
    std::optional<std::string> skip_to;
    t.scan_prefix(table::objects, low, from,
                  [&](std::string_view k, std::string_view v) {
                    auto key = k.substr(base.size());
                    if (!q.delimiter.empty()) {
                      auto pos = key.find(q.delimiter, q.prefix.size());
                      if (pos != std::string_view::npos) {
                        std::string cp{key.substr(0, pos + q.delimiter.size())};
                        if (cp > q.start_after) {
                          if (!take(cp))
                            return false;
                          page.common_prefixes.push_back(cp);
                        }
                        skip_to = successor(base + cp);
                        if (!skip_to)
                          done = true;
                        return false;
                      }
                    }
                    if (!take(std::string{key}))
                      return false;
                    listed_object obj;
                    obj.key = std::string{key};
                    if (!decode(v, obj.entry))
                      throw lmdb_error("corrupt object entry");
                    page.objects.push_back(std::move(obj));
                    return true;
                  });
    if (done || !skip_to || !starts_with(*skip_to, low))
      break;
    from = std::move(*skip_to);
  }
  return page;
}

std::string encode_continuation_token(std::string_view last) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < last.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(last[i]) << 16)
                 | (static_cast<unsigned char>(last[i + 1]) << 8)
                 | static_cast<unsigned char>(last[i + 2]);
    out += b64_digits[(n >> 18) & 63];
    out += b64_digits[(n >> 12) & 63];
    out += b64_digits[(n >> 6) & 63];
    out += b64_digits[n & 63];
  }
  if (auto rest = last.size() - i; rest > 0) {
    uint32_t n = static_cast<unsigned char>(last[i]) << 16;
    if (rest == 2)
      n |= static_cast<unsigned char>(last[i + 1]) << 8;
    out += b64_digits[(n >> 18) & 63];
    out += b64_digits[(n >> 12) & 63];
    out += rest == 2 ? b64_digits[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> decode_continuation_token(std::string_view token) {
  if (token.empty() || token.size() % 4 != 0)
    return std::nullopt;
  std::string out;
  for (size_t i = 0; i < token.size(); i += 4) {
    bool last_group = i + 4 == token.size();
    int pad = 0;
    uint32_t n = 0;
    for (size_t j = 0; j < 4; ++j) {
      auto c = token[i + j];
      if (c == '=' && last_group && j >= 2) {
        ++pad;
        n <<= 6;
        continue;
      }
      auto d = b64_value(c);
      if (d < 0 || pad > 0)
        return std::nullopt;
      n = (n << 6) | static_cast<uint32_t>(d);
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2)
      out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1)
      out += static_cast<char>(n & 0xff);
  }
  return out;
}

} // namespace skyhaul::storage
