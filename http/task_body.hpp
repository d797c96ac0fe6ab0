#pragma once

// The body of `POST /task`, validated at the edge: inside the system a
// task_spec is always well-formed.

#include <string>

#include <caf/error.hpp>

#include "protocol/ids.hpp"
#include "protocol/task_spec.hpp"

namespace skyhaul::http {

/// Parses and validates a `POST /task` body for user `uid` into `spec`.
/// Returns no error on success; `ec::invalid_uri` for a bad source or
/// callback URL (e.g. "unsupported scheme"), `ec::invalid_argument` for
/// anything else, each with a message naming the field.
caf::error parse_task_body(const std::string& body, user_id uid,
                           task_spec& spec);

} // namespace skyhaul::http
