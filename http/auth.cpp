#include "http/auth.hpp"

#include <ctime>

#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

namespace skyhaul::http {

std::optional<user_record> authenticate(const services& svc,
                                        const request& req) {
  std::string key;
  auto& authz = req.header("authorization");
  if (authz.rfind("Bearer ", 0) == 0)
    key = authz.substr(7);
  else if (req.has_arg("key"))
    key = req.arg("key");
  if (key.empty() || key.size() > 256)
    return std::nullopt;
  auto t = svc.db->read();
  return storage::find_user_by_api_key(t, key);
}

std::string link_signature(const services& svc, const std::string& tid,
                           const std::string& file, int64_t expires) {
  return storage::hmac_sha256_hex(svc.link_secret, tid + "/" + file + "\n"
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
  auto ok = storage::constant_time_equal(want, sig);
  return ok && when >= static_cast<int64_t>(std::time(nullptr));
}

} // namespace skyhaul::http
