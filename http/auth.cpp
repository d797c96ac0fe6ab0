#include "http/auth.hpp"

#include "base/crypto.hpp"

#include <chrono>
#include <ctime>
#include <mutex>
#include <strings.h>
#include <unordered_map>

#include "protocol/ids.hpp"
#include "http/cookie.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/session_table.hpp"
#include "storage/user_table.hpp"

namespace skyhaul::http {

namespace {

/// Recently seen keys, by their hash. Only hits are cached, so a user
/// added by `skyhauld user add` works on its first request; a cached
/// entry lives one second, which bounds how long a changed key is honoured.
class key_cache {
public:
  std::optional<user_record> get(const std::string& hash) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = entries_.find(hash);
    if (i == entries_.end() || i->second.first < clock::now())
      return std::nullopt;
    return i->second.second;
  }

  void put(const std::string& hash, const user_record& rec) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (entries_.size() > 10000)
      entries_.clear();
    entries_[hash] = {clock::now() + std::chrono::seconds(1), rec};
  }

private:
  using clock = std::chrono::steady_clock;
  std::mutex mtx_;
  std::unordered_map<std::string, std::pair<clock::time_point, user_record>>
    entries_;
};

key_cache& cache() {
  static key_cache instance;
  return instance;
}

} // namespace

std::string api_key_of(const request& req) {
  auto& authz = req.header("authorization");
  // The scheme is case-insensitive (RFC 7235); the key is not.
  if (authz.size() > 7 && strncasecmp(authz.c_str(), "bearer ", 7) == 0) {
    auto start = authz.find_first_not_of(' ', 7);
    return start == std::string::npos ? std::string{} : authz.substr(start);
  }
  return req.arg("key");
}

bool cookie_allowed(const request& req) {
  auto& m = req.method;
  if (m == "GET" || m == "HEAD" || m == "OPTIONS")
    return true;
  auto& origin = req.header("origin");
  if (origin.empty())
    return !req.header("x-requested-with").empty();
  auto& host = req.header("host");
  return !host.empty()
         && (origin == "http://" + host || origin == "https://" + host);
}

std::optional<user_record> authenticate(const services& svc,
                                        const request& req) {
  std::string why;
  return authenticate(svc, req, why);
}

std::optional<user_record> authenticate(const services& svc,
                                        const request& req, std::string& why) {
  auto refuse = [&why](const char* reason) -> std::optional<user_record> {
    why = reason;
    return std::nullopt;
  };
  auto key = api_key_of(req);
  if (key.empty()) {
    auto token = cookie_value(req, session_cookie);
    if (token.empty())
      return refuse("missing or invalid api key");
    if (token.size() > 256)
      return refuse("invalid session");
    if (!cookie_allowed(req))
      return refuse("a request signed in by cookie must come from this "
                    "server's own pages (Origin or X-Requested-With)");
    auto t = svc.db->read();
    auto uid = storage::live_session(t, token, now_ms());
    if (!uid)
      return refuse("the session has ended: sign in again");
    auto rec = storage::get_user(t, *uid);
    if (!rec)
      return refuse("the session has ended: sign in again");
    return rec;
  }
  if (key.size() > 256)
    return refuse("missing or invalid api key");
  auto hash = sha256_hex(key);
  if (auto hit = cache().get(hash))
    return hit;
  auto t = svc.db->read();
  auto rec = storage::find_user_by_api_key(t, key);
  if (rec)
    cache().put(hash, *rec);
  else
    return refuse("missing or invalid api key");
  return rec;
}

std::string link_signature(const services& svc, const std::string& tid,
                           const std::string& file, int64_t expires) {
  return hmac_sha256_hex(svc.link_secret, tid + "/" + file + "\n"
                                                     + std::to_string(expires));
}

std::string signed_link(const services& svc, const std::string& tid,
                        const std::string& file) {
  auto expires = static_cast<int64_t>(std::time(nullptr)) + svc.cfg->link_ttl_s;
  return "/download/" + tid + "/" + url_encode(file, true)
         + "?expires=" + std::to_string(expires)
         + "&signature=" + link_signature(svc, tid, file, expires);
}

bool verify_link(const services& svc, const std::string& tid,
                 const std::string& file, const std::string& expires,
                 const std::string& sig) {
  if (expires.empty() || expires.size() > 12 || sig.size() != 64)
    return false;
  for (auto c : expires)
    if (c < '0' || c > '9')
      return false;
  auto when = std::stoll(expires);
  auto want = link_signature(svc, tid, file, when);
  // Compare first, then check the time: no early exit on a valid prefix.
  auto ok = constant_time_equal(want, sig);
  return ok && when >= static_cast<int64_t>(std::time(nullptr));
}

} // namespace skyhaul::http
