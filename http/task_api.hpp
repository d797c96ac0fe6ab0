#pragma once

// The Task API face (seed 002) on the api listener.

#include <optional>
#include <string>

#include "http/router.hpp"
#include "http/services.hpp"
#include "protocol/task_spec.hpp"

namespace skyhaul::http {

/// Parses and validates a `POST /task` body for user `uid`. Returns the
/// error text for a 400, or nullopt with `spec` filled.
std::optional<std::string> parse_task_body(const std::string& body,
                                           user_id uid, task_spec& spec);

/// Adds the Task API routes, /config, /healthz and /download to `r`.
void add_task_api(router& r, const services& svc);

} // namespace skyhaul::http
