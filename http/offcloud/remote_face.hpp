#pragma once
// A face of its own for the remote routes of the Offcloud face, mounted
// until the Offcloud face (seed 001) mounts them itself: the account routes
// (http/offcloud/remote_accounts.hpp) and the remote requests, `POST
// /api/remote` (also `/api/remote/download`) and `POST /api/remote/status`,
// with api-key authentication (`Authorization: Bearer`, `?key=`) and the
// Offcloud error shape. Its prefixes are longer than `/api`, so it must go
// when the Offcloud face mounts `mount_remote_accounts`.

#include "http/router.hpp"
#include "http/services.hpp"

#include <memory>

namespace skyhaul::http {

void mount_remote_face(router& r, std::shared_ptr<const services> svc);

} // namespace skyhaul::http
