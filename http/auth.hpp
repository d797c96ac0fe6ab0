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
/// `?key=<key>`, else a live login session in the `connect.sid` cookie
/// (what the web UI signs in with). Reads LMDB each time, so a user added
/// by another process is honoured at once. A key that is given and wrong
/// is refused even when a cookie would do.
std::optional<user_record> authenticate(const services& svc,
                                        const request& req);

/// `authenticate`, and when it refuses, `why` says for what reason.
std::optional<user_record> authenticate(const services& svc,
                                        const request& req, std::string& why);

/// True when a request that changes state may use the session cookie:
/// browsers send a cookie along with any cross-site form or fetch, so the
/// cookie only counts when the request says it comes from this server's
/// own pages (`Origin` equal to the `Host` it was sent to) or, without an
/// `Origin`, carries `X-Requested-With` (which no cross-site page can set
/// without a CORS preflight that this face never grants). Safe methods
/// (GET, HEAD, OPTIONS) always may.
bool cookie_allowed(const request& req);

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
