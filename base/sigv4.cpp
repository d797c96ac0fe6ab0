#include "base/sigv4.hpp"

#include "base/crypto.hpp"
#include "base/hex.hpp"
#include "base/http_date.hpp"
#include "base/percent.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace skyhaul {

namespace {

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
  auto out = lower_header_names(headers);
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

std::map<std::string, std::string>
lower_header_names(const std::map<std::string, std::string>& headers) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : headers) {
    auto name = k;
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[name] = v;
  }
  return out;
}

std::string sigv4_scope::str() const {
  return date + '/' + region + '/' + service + "/aws4_request";
}

std::string sigv4_canonical_uri(std::string_view raw_path) {
  if (raw_path.empty())
    return "/";
  return aws_uri_encode(url_decode(std::string{raw_path}, false), true);
}

std::string sigv4_canonical_query(std::string_view raw_query,
                                  std::string_view exclude) {
  std::vector<std::pair<std::string, std::string>> ps;
  for (auto& [name, value] : split_raw_query(raw_query)) {
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
  auto ps = split_raw_query(raw_query);
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
  return to_hex(sig);
}

std::string payload_sha256(std::string_view data) {
  return sha256_hex(data);
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

} // namespace skyhaul
