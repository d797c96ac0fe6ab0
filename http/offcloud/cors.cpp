#include "http/offcloud/cors.hpp"

#include <algorithm>

namespace skyhaul::http::offcloud {

bool origin_allowed(const settings& cfg, const std::string& origin) {
  if (origin.empty() || origin == "null")
    return false;
  auto& list = cfg.cors_origins;
  return std::find(list.begin(), list.end(), "*") != list.end()
         || std::find(list.begin(), list.end(), origin) != list.end();
}

void add_cors(const settings& cfg, const request& req, reply& r) {
  auto& origin = req.header("origin");
  for (auto& h : r.headers)
    if (h.first == "Access-Control-Allow-Origin")
      return;
  // Caches must not hand one origin's answer to another.
  r.headers.emplace_back("Vary", "Origin");
  if (!origin_allowed(cfg, origin))
    return;
  // With credentials the origin is named, never "*" (Fetch standard).
  r.headers.emplace_back("Access-Control-Allow-Origin", origin);
  r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
}

reply preflight(const settings& cfg, const request& req) {
  reply r;
  r.status = 204;
  r.content_type.clear();
  add_cors(cfg, req, r);
  if (!origin_allowed(cfg, req.header("origin")))
    return r;
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  auto& asked = req.header("access-control-request-headers");
  r.headers.emplace_back("Access-Control-Allow-Headers",
                         asked.empty() ? "Authorization, Content-Type"
                                       : asked);
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  return r;
}

} // namespace skyhaul::http::offcloud
