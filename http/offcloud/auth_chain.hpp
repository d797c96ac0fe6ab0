#pragma once

// Who calls the Offcloud face. Clients in use send the api key in any of
// `?key=`, `?apiKey=`, `?apikey=`, a `key` field of the body, or
// `Authorization: Bearer`, or they log in and send the `connect.sid`
// cookie back; all of them are honoured, in that order.

#include <optional>
#include <string>

#include "http/cookie.hpp"
#include "http/message.hpp"
#include "http/services.hpp"

namespace skyhaul::http::offcloud {

/// The session cookie's name, as Offcloud (an Express app) calls it.
constexpr const char* cookie_name = session_cookie;

/// The api key a request carries in any of the accepted places, or "";
/// the body is looked at only when `in_body`.
std::string offered_key(const request& req, bool in_body = true);

/// The session token of the request's `connect.sid` cookie, or "".
std::string offered_session(const request& req);

/// The user of an api key: the user's own key, or the face's key that
/// `POST /api/key` hands out (see `face_key`).
std::optional<user_record> user_of_key(const services& svc,
                                       const std::string& key);

/// The user of a live session token.
std::optional<user_record> user_of_session(const services& svc,
                                           const std::string& token);

/// What the request's credentials say: the user, or nullopt; `offered`
/// tells whether it carried any at all. A key in the body counts only
/// when `in_body`.
std::optional<user_record> caller_of(const services& svc, const request& req,
                                     bool& offered, bool in_body = true);

/// A key of `u` for this face that works besides the user's own: derived
/// from the user's current key (an HMAC under the server's link secret),
/// so it needs no storage, is the same on every call, and stops working
/// when the user's own key changes.
std::string face_key(const services& svc, const user_record& u);

} // namespace skyhaul::http::offcloud
