#include "http/sigv2.hpp"

#include "http/message.hpp"
#include "http/sigv4.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iterator>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <strings.h>

namespace skyhaul::http {

namespace {

constexpr char b64_digits[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  auto p = std::strchr(b64_digits, c);
  return c == '\0' || p == nullptr ? -1 : static_cast<int>(p - b64_digits);
}

/// The value of an amz header in the string to sign: folded lines joined
/// by one space, surrounding whitespace trimmed.
std::string unfold(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\r' || v[i] == '\n') {
      while (i + 1 < v.size()
             && std::isspace(static_cast<unsigned char>(v[i + 1])))
        ++i;
      out += ' ';
    } else {
      out += v[i];
    }
  }
  auto first = out.find_first_not_of(" \t");
  if (first == std::string::npos)
    return {};
  return out.substr(first, out.find_last_not_of(" \t") - first + 1);
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
  return out;
}

const std::string& get(const std::map<std::string, std::string>& m,
                       const std::string& name) {
  static const std::string none;
  auto i = m.find(name);
  return i == m.end() ? none : i->second;
}

int month_of(const char* m) {
  static constexpr std::array<const char*, 12> names{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun",
      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < names.size(); ++i)
    if (strcasecmp(m, names[i]) == 0)
      return static_cast<int>(i);
  return -1;
}

/// Seconds east of UTC of a zone (`GMT`, `UTC`, `UT`, `Z`, `+hhmm`), or
/// nullopt.
std::optional<int64_t> zone_offset(const char* z) {
  if (*z == '\0' || strcasecmp(z, "GMT") == 0 || strcasecmp(z, "UTC") == 0
      || strcasecmp(z, "UT") == 0 || strcasecmp(z, "Z") == 0)
    return 0;
  if ((z[0] == '+' || z[0] == '-') && std::strlen(z) == 5) {
    for (int i = 1; i < 5; ++i)
      if (!std::isdigit(static_cast<unsigned char>(z[i])))
        return std::nullopt;
    int64_t s = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600
                + ((z[3] - '0') * 10 + (z[4] - '0')) * 60;
    return z[0] == '+' ? s : -s;
  }
  return std::nullopt;
}

} // namespace

bool sigv2_subresource(std::string_view name) {
  // The list botocore's HmacV1Auth signs: AWS's documented sub-resources
  // and overrides plus the ones added to S3 since.
  static constexpr std::string_view names[] = {
      "accelerate",
      "acl",
      "analytics",
      "cors",
      "defaultObjectAcl",
      "delete",
      "inventory",
      "lifecycle",
      "location",
      "logging",
      "metrics",
      "notification",
      "object-lock",
      "partNumber",
      "policy",
      "replication",
      "requestPayment",
      "response-cache-control",
      "response-content-disposition",
      "response-content-encoding",
      "response-content-language",
      "response-content-type",
      "response-expires",
      "restore",
      "select",
      "select-type",
      "storageClass",
      "tagging",
      "torrent",
      "uploadId",
      "uploads",
      "versionId",
      "versioning",
      "versions",
      "website",
  };
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

std::string
sigv2_canonical_amz_headers(const std::map<std::string, std::string>& headers,
                            std::string_view skip) {
  std::string out;
  for (auto& [name, value] : lower_names(headers)) {
    if (name.compare(0, 6, "x-amz-") != 0 || name == skip)
      continue;
    out += name;
    out += ':';
    out += unfold(value);
    out += '\n';
  }
  return out;
}

std::string sigv2_bucket_path(std::string_view raw_path) {
  std::string out{raw_path};
  if (out.size() > 1 && out.find('/', 1) == std::string::npos)
    out += '/';
  return out;
}

std::string sigv2_canonical_resource(std::string_view raw_path,
                                     std::string_view raw_query) {
  std::string out{raw_path.empty() ? std::string_view{"/"} : raw_path};
  std::vector<std::pair<std::string, std::string>> subs;
  size_t pos = 0;
  while (!raw_query.empty() && pos <= raw_query.size()) {
    auto amp = raw_query.find('&', pos);
    auto part = raw_query.substr(pos, amp == std::string_view::npos
                                          ? std::string_view::npos
                                          : amp - pos);
    auto eq = part.find('=');
    auto name = part.substr(0, eq);
    if (sigv2_subresource(name))
      subs.emplace_back(
          std::string{name},
          eq == std::string_view::npos
              ? std::string{}
              : "=" + url_decode(std::string{part.substr(eq + 1)}, false));
    if (amp == std::string_view::npos)
      break;
    pos = amp + 1;
  }
  std::stable_sort(subs.begin(), subs.end(),
                   [](auto& a, auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < subs.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += subs[i].first;
    out += subs[i].second;
  }
  return out;
}

std::string sigv2_string_to_sign(std::string_view method,
                                 std::string_view content_md5,
                                 std::string_view content_type,
                                 std::string_view date,
                                 std::string_view canonical_amz_headers,
                                 std::string_view canonical_resource) {
  std::string s{method};
  s += '\n';
  s += content_md5;
  s += '\n';
  s += content_type;
  s += '\n';
  s += date;
  s += '\n';
  s += canonical_amz_headers;
  s += canonical_resource;
  return s;
}

std::string sigv2_signature(std::string_view secret_key,
                            std::string_view string_to_sign) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha1(), secret_key.data(), static_cast<int>(secret_key.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()),
       string_to_sign.size(), md, &len);
  return base64_encode({reinterpret_cast<char*>(md), len});
}

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

std::string format_http_date(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* days[]
      = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[]
      = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> parse_http_date(std::string_view s) {
  std::string text{s};
  char mon[4] = {};
  char zone[8] = {};
  int day = 0, year = 0, h = 0, m = 0, sec = 0;
  bool ok = false;
  if (auto comma = text.find(','); comma != std::string::npos) {
    auto rest = text.c_str() + comma + 1;
    // RFC 1123 ("06 Nov 1994 08:49:37 GMT") or RFC 850 ("06-Nov-94 ...").
    ok = std::sscanf(rest, "%d %3s %d %d:%d:%d %7s", &day, mon, &year, &h, &m,
                     &sec, zone)
             >= 6
         || std::sscanf(rest, "%d-%3[A-Za-z]-%d %d:%d:%d %7s", &day, mon, &year,
                        &h, &m, &sec, zone)
                >= 6;
  } else {
    // asctime: "Sun Nov  6 08:49:37 1994".
    ok = std::sscanf(text.c_str(), "%*s %3s %d %d:%d:%d %d", mon, &day, &h, &m,
                     &sec, &year)
         == 6;
  }
  if (!ok)
    return std::nullopt;
  if (year < 100)
    year += year < 70 ? 2000 : 1900;
  auto offset = zone_offset(zone);
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month_of(mon);
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  if (!offset || tm.tm_mon < 0 || day < 1 || day > 31 || h < 0 || h > 23
      || m < 0 || m > 59 || sec < 0 || sec > 60)
    return std::nullopt;
  return static_cast<int64_t>(timegm(&tm)) - *offset;
}

std::vector<std::pair<std::string, std::string>>
sigv2_sign(const std::string& method, const std::string& target,
           const std::map<std::string, std::string>& headers,
           const std::string& access_key, const std::string& secret_key,
           int64_t now_s) {
  auto all = lower_names(headers);
  auto q = target.find('?');
  auto path = std::string_view{target}.substr(0, q);
  auto query = q == std::string::npos ? std::string_view{}
                                      : std::string_view{target}.substr(q + 1);
  std::vector<std::pair<std::string, std::string>> out;
  std::string date;
  if (all.count("x-amz-date") == 0) {
    date = format_http_date(now_s);
    out.emplace_back("date", date);
  }
  auto to_sign = sigv2_string_to_sign(
      method, unfold(get(all, "content-md5")), unfold(get(all, "content-type")),
      date, sigv2_canonical_amz_headers(all),
      sigv2_canonical_resource(sigv2_bucket_path(path), query));
  out.emplace_back("authorization", "AWS " + access_key + ':'
                                        + sigv2_signature(secret_key, to_sign));
  return out;
}

std::string sigv2_presign(const std::string& method, const std::string& target,
                          const std::string& access_key,
                          const std::string& secret_key, int64_t expires_at) {
  auto q = target.find('?');
  auto path = std::string_view{target}.substr(0, q);
  std::string query
      = q == std::string::npos ? std::string{} : target.substr(q + 1);
  auto expires = std::to_string(expires_at);
  auto to_sign = sigv2_string_to_sign(
      method, "", "", expires, "",
      sigv2_canonical_resource(sigv2_bucket_path(path), query));
  if (!query.empty())
    query += '&';
  query += "AWSAccessKeyId=" + aws_uri_encode(access_key, false)
           + "&Expires=" + expires + "&Signature="
           + aws_uri_encode(sigv2_signature(secret_key, to_sign), false);
  return query;
}

} // namespace skyhaul::http
