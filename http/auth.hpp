#pragma once

#include <optional>
#include <string>

#include "http/message.hpp"
#include "http/services.hpp"
#include "protocol/user_record.hpp"

namespace skyhaul::http {

/// The api key a request carries: `Authorization: Bearer <key>` or
/// `?key=<key>`; "" when it carries none.
std::string api_key_of(const request& req);

/// Authenticates an api-listener request: `Authorization: Bearer <key>` or
/// `?key=<key>`. Reads LMDB each time, so a user added by another process
/// is honoured at once.
std::optional<user_record> authenticate(const services& svc,
                                        const request& req);

/// The link signature: hex HMAC-SHA256 of "<tid>/<file>\n<expires>".
std::string link_signature(const services& svc, const std::string& tid,
                           const std::string& file, int64_t expires);

/// A signed, expiring path for downloading `file` of task `tid`.
std::string signed_link(const services& svc, const std::string& tid,
                        const std::string& file);

/// True when `sig` signs tid/file/expires and `expires` is in the future.
bool verify_link(const services& svc, const std::string& tid,
                 const std::string& file, const std::string& expires,
                 const std::string& sig);

} // namespace skyhaul::http
