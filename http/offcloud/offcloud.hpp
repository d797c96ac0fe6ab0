#pragma once

// The Offcloud-compatible face (seed 001): `/api/...` for the calls,
// `/cloud/...` and `/torrent/...` for the links and uploads its clients
// use without the `/api` prefix. Clients work unchanged with their base
// URL pointed at `http://HOST:PORT/api/`.

#include <memory>

#include "http/router.hpp"
#include "http/services.hpp"

namespace skyhaul::http {

/// Mounts the face on the api listener's router. Throws
/// std::invalid_argument when `default_plan` names no configured plan.
void mount_offcloud(router& r, std::shared_ptr<const services> svc);

} // namespace skyhaul::http
