#include "base/sigv2.hpp"

#include "base/base64.hpp"
#include "base/crypto.hpp"
#include "base/http_date.hpp"
#include "base/percent.hpp"
#include "base/sigv4.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iterator>
#include <strings.h>

namespace skyhaul {

namespace {

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

const std::string& get(const std::map<std::string, std::string>& m,
                       const std::string& name) {
  static const std::string none;
  auto i = m.find(name);
  return i == m.end() ? none : i->second;
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
  for (auto& [name, value] : lower_header_names(headers)) {
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
  return base64_encode(hmac_sha1(secret_key, string_to_sign));
}

std::vector<std::pair<std::string, std::string>>
sigv2_sign(const std::string& method, const std::string& target,
           const std::map<std::string, std::string>& headers,
           const std::string& access_key, const std::string& secret_key,
           int64_t now_s) {
  auto all = lower_header_names(headers);
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

} // namespace skyhaul
