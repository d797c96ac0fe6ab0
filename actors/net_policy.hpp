#pragma once

// The one network policy (base/net_policy.hpp) applied to the two ways
// Skyhaul connects out. For the curl loop's jobs it decides at connect
// time: curl resolves the name, and this decides on the address it is about
// to connect to, so no DNS trick (or redirect) gets past it. For
// libtorrent it becomes the session's ip_filter (peers and trackers).

#include "base/net_policy.hpp"

#include <curl/curl.h>
#include <libtorrent/ip_filter.hpp>
#include <string>

namespace skyhaul {

/// A CURLOPT_OPENSOCKETFUNCTION body: opens the socket curl asks for
/// (close-on-exec), or refuses with CURL_SOCKET_BAD when `policy` does not
/// allow `addr`. A refusal sets `refusal` to a message for the user.
curl_socket_t open_policy_socket(const curl_sockaddr& addr,
                                 const base::net_policy& policy,
                                 std::string& refusal);

/// True when `error` carries a refusal of `open_policy_socket`, also
/// inside a longer message (a step's name before it): trying again is
/// pointless.
bool is_policy_refusal(const std::string& error);

/// An ip_filter that blocks what `policy` refuses and nothing else.
lt::ip_filter make_ip_filter(const base::net_policy& policy);

} // namespace skyhaul
