#pragma once

// The Task API face (seed 002) on the api listener: /task..., /config,
// /healthz and the signed /download links.

#include <memory>

#include "http/router.hpp"
#include "http/services.hpp"

namespace skyhaul::http {

/// Mounts the Task API face on `r`: its routes, its JSON error shape and
/// its api-key authentication.
/// Handlers keep `svc` alive: an actor may answer after the server is gone.
void mount_task_api(router& r, std::shared_ptr<const services> svc);

/// The Task API's authentication (an api key or the login cookie, see
/// `authenticate`), with its JSON refusal; `/events` shares it.
auth_outcome task_api_auth(const services& svc, const request& req);

} // namespace skyhaul::http
