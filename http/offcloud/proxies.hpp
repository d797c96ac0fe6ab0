#pragma once

// The configured proxies as the Offcloud face shows them, and the check of
// a request's `proxyId`. Proxies come from the configuration's `proxies`
// (`settings::proxies`); a build whose settings have none offers none, so
// this face works before and after they exist.

#include <string>
#include <type_traits>
#include <utility>

#include "http/offcloud/common.hpp"

namespace skyhaul::http::offcloud {

template <class S, class = void>
struct has_proxies : std::false_type {};

template <class S>
struct has_proxies<S, std::void_t<decltype(std::declval<const S&>().proxies)>>
    : std::true_type {};

/// Calls `fn(id, name, region)` for every configured proxy.
template <class S, class F>
void each_proxy(const S& cfg, F fn) {
  if constexpr (has_proxies<S>::value)
    for (auto& p : cfg.proxies)
      fn(p.id, p.name, p.region);
}

/// True when a proxy of that id is configured.
inline bool proxy_known(const settings& cfg, const std::string& id) {
  bool found = false;
  each_proxy(cfg, [&](const std::string& pid, const std::string&,
                      const std::string&) { found = found || pid == id; });
  return found;
}

/// `POST /api/proxy` and `/api/proxy/list`.
void mount_proxies(router::mounted& m, svc_ptr svc);

} // namespace skyhaul::http::offcloud
