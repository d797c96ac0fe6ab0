#pragma once

// What a request says about itself when it came through a reverse proxy.
// No listener here speaks TLS; a deployment that serves the face over
// https puts a proxy in front (nginx, Caddy, …) and names it with
// `--trusted-proxy CIDR`. Only from those addresses are
// `X-Forwarded-Proto` and `X-Forwarded-For` believed: anyone else could
// send them.

#include <string>

#include "http/message.hpp"
#include "protocol/settings.hpp"

namespace skyhaul::http::offcloud {

/// True when the connection's peer lies in one of `cfg.trusted_proxies`.
bool from_trusted_proxy(const settings& cfg, const request& req);

/// True when the request reached a trusted proxy over https
/// (`X-Forwarded-Proto: https`, its first value): the session cookie is
/// then `Secure`.
bool arrived_over_https(const settings& cfg, const request& req);

/// The client's address: through a trusted proxy, the nearest address of
/// `X-Forwarded-For` that is not itself a trusted proxy; else the peer.
/// Login limits per address key on it.
std::string client_address(const settings& cfg, const request& req);

} // namespace skyhaul::http::offcloud
