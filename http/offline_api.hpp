#pragma once
// The Offline API face (seed 000) on the offline listener: S3-signed PUT
// /<bucket> task submission, GET and DELETE /<bucket>/<taskId>.

#include "http/router.hpp"
#include "http/services.hpp"

#include <memory>

namespace skyhaul::http {

/// Mounts the Offline API face on `r`: its routes, its S3 XML error shape
/// and its S3-signature authentication.
/// Handlers keep `svc` alive: an actor may answer after the server is gone.
void mount_offline_api(router& r, std::shared_ptr<const services> svc);

} // namespace skyhaul::http
