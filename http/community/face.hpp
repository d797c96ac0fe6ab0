#pragma once

#include "http/router.hpp"
#include "http/services.hpp"

#include <memory>

namespace skyhaul::http {

/// Mounts the community face (seed 003) under `/user` and `/post`: every
/// route takes the `id` and `credential` headers and answers in the
/// origin's envelope.
void mount_community(router& r, std::shared_ptr<const services> svc);

} // namespace skyhaul::http
