#pragma once

// The community face's envelope (seed 003's origin):
// `{"status":"SUCCESS"|"FAIL","message":"…","data":…}`, with honest HTTP
// statuses. Errors use `community_error` (http/json.hpp).

#include "http/json.hpp"
#include "http/message.hpp"

#include <caf/error.hpp>
#include <functional>
#include <string>

namespace skyhaul::http::community {

/// SUCCESS with `message`; `data` writes the value of "data" (one JSON
/// value), or it is null when `data` is empty.
reply success(unsigned status, const std::string& message,
              const std::function<void(json_writer&)>& data = {});

/// FAIL for a failed actor call, with the status its code fits.
reply failure(const caf::error& err);

} // namespace skyhaul::http::community
