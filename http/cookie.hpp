#pragma once

// Cookies a request carries. The login session lives in one cookie that
// several faces honour (the Offcloud face, the Task API, the web UI), so
// its name and its parser are here, once.

#include <string>
#include <string_view>

#include "http/message.hpp"

namespace skyhaul::http {

/// The login session's cookie, named as Offcloud (an Express app) names it.
constexpr const char* session_cookie = "connect.sid";

/// The value of cookie `name` in the request's `Cookie` header (quotes
/// around the value removed), or "" when it has none.
std::string cookie_value(const request& req, std::string_view name);

} // namespace skyhaul::http
