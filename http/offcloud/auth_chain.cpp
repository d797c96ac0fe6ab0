#include "http/offcloud/auth_chain.hpp"

#include "base/crypto.hpp"
#include "http/cookie.hpp"
#include "http/offcloud/fields.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/session_table.hpp"
#include "storage/user_table.hpp"

#include <strings.h>

namespace skyhaul::http::offcloud {

namespace {

/// Longest key or token looked at.
constexpr size_t max_credential = 256;

/// The `key` field of a form-encoded body. JSON bodies carry no key in
/// the clients seen; the parse stays cheap because it is not the full one.
std::string body_key(const request& req) {
  if (req.body.empty() || req.body.size() > (1u << 20))
    return {};
  auto& ct = req.header("content-type");
  if (ct.rfind("application/x-www-form-urlencoded", 0) != 0)
    return {};
  fields f;
  if (!read_urlencoded(req.body, f))
    return {};
  return f.get("key");
}

std::string hmac_key(const services& svc, const user_record& u) {
  return hmac_sha256_hex(svc.link_secret, "offcloud api key\n"
                                              + std::to_string(u.id) + "\n"
                                              + u.api_key_hash)
      .substr(0, 40);
}

} // namespace

std::string offered_key(const request& req, bool in_body) {
  for (auto name : {"key", "apiKey", "apikey"})
    if (auto& v = req.arg(name); !v.empty())
      return v;
  if (in_body)
    if (auto k = body_key(req); !k.empty())
      return k;
  auto& authz = req.header("authorization");
  if (authz.size() > 7 && strncasecmp(authz.c_str(), "bearer ", 7) == 0) {
    auto start = authz.find_first_not_of(' ', 7);
    if (start != std::string::npos)
      return authz.substr(start);
  }
  return {};
}

std::string offered_session(const request& req) {
  return cookie_value(req, cookie_name);
}

std::string face_key(const services& svc, const user_record& u) {
  return "oc_" + std::to_string(u.id) + "_" + hmac_key(svc, u);
}

std::optional<user_record> user_of_key(const services& svc,
                                       const std::string& key) {
  if (key.empty() || key.size() > max_credential)
    return std::nullopt;
  auto t = svc.db->read();
  if (key.rfind("oc_", 0) == 0) {
    auto sep = key.find('_', 3);
    auto digits = key.substr(3, sep == std::string::npos ? 0 : sep - 3);
    if (digits.empty() || digits.size() > 19
        || digits.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    auto u = storage::get_user(t, std::stoull(digits));
    if (!u || !constant_time_equal(face_key(svc, *u), key))
      return std::nullopt;
    return u;
  }
  return storage::find_user_by_api_key(t, key);
}

std::optional<user_record> user_of_session(const services& svc,
                                           const std::string& token) {
  if (token.empty() || token.size() > max_credential)
    return std::nullopt;
  auto t = svc.db->read();
  auto uid = storage::live_session(t, token, now_ms());
  if (!uid)
    return std::nullopt;
  return storage::get_user(t, *uid);
}

std::optional<user_record> caller_of(const services& svc, const request& req,
                                     bool& offered, bool in_body) {
  auto key = offered_key(req, in_body);
  auto token = offered_session(req);
  offered = !key.empty() || !token.empty();
  // A key that is wrong is refused even when a cookie would do: the
  // client asked to be that key's user.
  if (!key.empty())
    return user_of_key(svc, key);
  if (!token.empty())
    return user_of_session(svc, token);
  return std::nullopt;
}

} // namespace skyhaul::http::offcloud
