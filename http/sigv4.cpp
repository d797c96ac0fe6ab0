#include "http/sigv4.hpp"

#include "http/message.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdexcept>

namespace skyhaul::http {

namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 0xf];
  }
  return out;
}

/// Raw (binary) HMAC-SHA256: the signing key chain feeds each step's raw
/// output into the next one.
std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md,
       &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

/// Trims and folds inner runs of whitespace to one space (SigV4's Trimall).
std::string trim_all(std::string_view v) {
  std::string out;
  bool space = false;
  for (unsigned char c : v) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    out += static_cast<char>(c);
  }
  return out;
}

/// Splits a raw query into its raw `name`, `value` pairs; a part without
/// '=' has an empty value.
std::vector<std::pair<std::string, std::string>>
raw_pairs(std::string_view raw_query) {
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

std::string join_sorted(std::vector<std::pair<std::string, std::string>> ps) {
  std::sort(ps.begin(), ps.end());
  std::string out;
  for (auto& [name, value] : ps) {
    if (!out.empty())
      out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string signed_header_list(const std::vector<std::string>& names) {
  std::string out;
  for (auto& n : names) {
    if (!out.empty())
      out += ';';
    out += n;
  }
  return out;
}

/// The header names to sign: all of `headers`, sorted as the map is.
std::vector<std::string>
names_to_sign(const std::map<std::string, std::string>& headers) {
  std::vector<std::string> names;
  for (auto& h : headers)
    names.push_back(h.first);
  return names;
}

std::map<std::string, std::string>
lower_names(const std::map<std::string, std::string>& headers) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : headers) {
    auto name = k;
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[name] = v;
  }
  if (out.count("host") == 0)
    throw std::invalid_argument("SigV4 signing needs a host header");
  return out;
}

void split_target(const std::string& target, std::string_view& path,
                  std::string_view& query) {
  std::string_view t{target};
  auto q = t.find('?');
  path = t.substr(0, q);
  query = q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

} // namespace

std::string sigv4_scope::str() const {
  return date + '/' + region + '/' + service + "/aws4_request";
}

std::string aws_uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~'
        || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string sigv4_canonical_uri(std::string_view raw_path) {
  if (raw_path.empty())
    return "/";
  return aws_uri_encode(url_decode(std::string{raw_path}, false), true);
}

std::string sigv4_canonical_query(std::string_view raw_query,
                                  std::string_view exclude) {
  std::vector<std::pair<std::string, std::string>> ps;
  for (auto& [name, value] : raw_pairs(raw_query)) {
    auto decoded = url_decode(name, true);
    if (!exclude.empty() && decoded == exclude)
      continue;
    ps.emplace_back(aws_uri_encode(decoded, false),
                    aws_uri_encode(url_decode(value, true), false));
  }
  return join_sorted(std::move(ps));
}

std::string sigv4_literal_query(std::string_view raw_query,
                                std::string_view exclude) {
  auto ps = raw_pairs(raw_query);
  if (!exclude.empty())
    ps.erase(std::remove_if(
                 ps.begin(), ps.end(),
                 [&](auto& p) { return url_decode(p.first, true) == exclude; }),
             ps.end());
  return join_sorted(std::move(ps));
}

std::string
sigv4_canonical_request(std::string_view method, std::string_view canonical_uri,
                        std::string_view canonical_query,
                        const std::map<std::string, std::string>& headers,
                        const std::vector<std::string>& signed_headers,
                        std::string_view payload_hash) {
  std::string cr{method};
  cr += '\n';
  cr += canonical_uri;
  cr += '\n';
  cr += canonical_query;
  cr += '\n';
  for (auto& name : signed_headers) {
    auto i = headers.find(name);
    cr += name;
    cr += ':';
    if (i != headers.end())
      cr += trim_all(i->second);
    cr += '\n';
  }
  cr += '\n';
  cr += signed_header_list(signed_headers);
  cr += '\n';
  cr += payload_hash;
  return cr;
}

std::string sigv4_signature(std::string_view secret_key,
                            std::string_view timestamp,
                            const sigv4_scope& scope,
                            std::string_view canonical_request) {
  std::string to_sign{sigv4_algorithm};
  to_sign += '\n';
  to_sign += timestamp;
  to_sign += '\n';
  to_sign += scope.str();
  to_sign += '\n';
  to_sign += payload_sha256(canonical_request);
  auto key = hmac_sha256("AWS4" + std::string{secret_key}, scope.date);
  key = hmac_sha256(key, scope.region);
  key = hmac_sha256(key, scope.service);
  key = hmac_sha256(key, "aws4_request");
  auto sig = hmac_sha256(key, to_sign);
  return to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

std::string payload_sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(md, len);
}

std::string format_amz_date(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<int64_t> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z')
    return std::nullopt;
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i])))
        return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1
      || tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0
      || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
    return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

std::vector<std::pair<std::string, std::string>>
sigv4_sign(const std::string& method, const std::string& target,
           const std::map<std::string, std::string>& headers,
           const std::string& payload_hash, const std::string& access_key,
           const std::string& secret_key, const std::string& region,
           int64_t now_s) {
  auto all = lower_names(headers);
  auto timestamp = format_amz_date(now_s);
  all["x-amz-date"] = timestamp;
  all["x-amz-content-sha256"] = payload_hash;
  auto names = names_to_sign(all);
  std::string_view path, query;
  split_target(target, path, query);
  sigv4_scope scope{timestamp.substr(0, 8), region};
  auto cr = sigv4_canonical_request(method, sigv4_canonical_uri(path),
                                    sigv4_canonical_query(query), all, names,
                                    payload_hash);
  auto sig = sigv4_signature(secret_key, timestamp, scope, cr);
  std::string auth{sigv4_algorithm};
  auth += " Credential=" + access_key + '/' + scope.str()
          + ",SignedHeaders=" + signed_header_list(names) + ",Signature=" + sig;
  return {{"authorization", std::move(auth)},
          {"x-amz-date", std::move(timestamp)},
          {"x-amz-content-sha256", payload_hash}};
}

std::string sigv4_presign(const std::string& method, const std::string& target,
                          const std::map<std::string, std::string>& headers,
                          const std::string& access_key,
                          const std::string& secret_key,
                          const std::string& region, int64_t now_s,
                          int64_t expires_s) {
  if (expires_s < 1 || expires_s > sigv4_max_expires_s)
    throw std::invalid_argument("X-Amz-Expires must be in 1..604800");
  auto all = lower_names(headers);
  auto names = names_to_sign(all);
  auto timestamp = format_amz_date(now_s);
  sigv4_scope scope{timestamp.substr(0, 8), region};
  std::string_view path, query;
  split_target(target, path, query);
  std::string q{query};
  if (!q.empty())
    q += '&';
  q += "X-Amz-Algorithm=" + std::string{sigv4_algorithm} + "&X-Amz-Credential="
       + aws_uri_encode(access_key + '/' + scope.str(), false)
       + "&X-Amz-Date=" + timestamp
       + "&X-Amz-Expires=" + std::to_string(expires_s) + "&X-Amz-SignedHeaders="
       + aws_uri_encode(signed_header_list(names), false);
  auto canonical_query = sigv4_canonical_query(q);
  auto cr
      = sigv4_canonical_request(method, sigv4_canonical_uri(path),
                                canonical_query, all, names, unsigned_payload);
  return canonical_query + "&X-Amz-Signature="
         + sigv4_signature(secret_key, timestamp, scope, cr);
}

} // namespace skyhaul::http
