#pragma once

// Browser clients (the seed's examples use jQuery with `withCredentials`)
// may call the face from the configured origins, cookies included.

#include "http/message.hpp"
#include "protocol/settings.hpp"

namespace skyhaul::http::offcloud {

/// True when `origin` is one the configuration lets in.
bool origin_allowed(const settings& cfg, const std::string& origin);

/// Adds the CORS headers to `r` when `req` comes from an allowed origin;
/// once, however often it is called.
void add_cors(const settings& cfg, const request& req, reply& r);

/// The answer to a preflight `OPTIONS`: 204, the allowed methods and the
/// asked-for headers for an allowed origin, no CORS headers otherwise.
reply preflight(const settings& cfg, const request& req);

} // namespace skyhaul::http::offcloud
