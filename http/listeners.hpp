#pragma once

// Which faces each listener has: the wiring of skyhauld, in one place that
// the daemon and the tests share.

#include "http/server.hpp"
#include "http/services.hpp"

#include <memory>
#include <vector>

namespace skyhaul::http {

/// The api listener (the Task API), the offline listener (the Offline
/// API) and the s3 listener (the S3 object API), at the addresses of
/// `svc->cfg`, in that order. Handlers keep `svc` alive: an actor may
/// answer after the server is gone.
std::vector<listener_spec>
standard_listeners(std::shared_ptr<const services> svc);

} // namespace skyhaul::http
