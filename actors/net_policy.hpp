#pragma once

// The network policy at connect time, shared by every curl loop (downloads
// and callbacks): curl resolves the name, and this decides on the address
// it is about to connect to, so no DNS trick gets past it.

#include <curl/curl.h>
#include <string>

namespace skyhaul {

/// A CURLOPT_OPENSOCKETFUNCTION body: opens the socket curl asks for
/// (close-on-exec), or refuses with CURL_SOCKET_BAD when `addr` is
/// loopback, private or link-local and `allow_private` is false. A refusal
/// sets `refusal` to a message for the user.
curl_socket_t open_policy_socket(const curl_sockaddr& addr, bool allow_private,
                                 std::string& refusal);

} // namespace skyhaul
