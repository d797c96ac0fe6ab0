#pragma once

// The JSON the web UI reads beside the Task API, under `/ui/api` on the
// api listener: who is signed in, and the caller's buckets and objects
// (the S3 face wants SigV4, which a page should not compute with a secret
// in hand). Authenticated like the Task API (api key, or the login
// cookie), errors in the Task API's shape. The community pages go
// through here too, with the same caller, to the community face's own
// handlers: a browser signed in by cookie has no `credential` header.

#include <memory>

#include "http/router.hpp"
#include "http/services.hpp"

namespace skyhaul::http {

/// Mounts the face under `/ui/api`.
void mount_ui_api(router& r, std::shared_ptr<const services> svc);

} // namespace skyhaul::http
