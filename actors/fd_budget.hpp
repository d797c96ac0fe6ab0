#pragma once

// Running out of descriptors (EMFILE, ENFILE) is a wait, not a failure:
// the helpers that tell it apart from other errors, for the transfers.

#include "base/net_policy.hpp"

#include <curl/curl.h>
#include <string>

namespace skyhaul {

/// Descriptors the transfers leave free for the rest of the daemon (the
/// fsync of a finished file, the API's connections, the store): a request
/// that waits for descriptors starts again only above this.
constexpr size_t fd_reserve = 32;

/// The soft RLIMIT_NOFILE less the descriptors open now (a count of
/// /proc/self/fd: a few milliseconds at ten thousand).
size_t free_descriptors();

/// `err` (an errno) says the process or the system has no descriptor left.
bool descriptors_exhausted(int err);

/// A digest set's write error (strerror text) of that kind.
bool descriptors_exhausted(const std::string& write_error);

/// An error message that ends in that strerror text ("cannot open …: Too
/// many open files"), as the finishing steps report it.
bool ends_in_descriptors_exhausted(const std::string& msg);

/// Opens a connection's socket as the curl loop does, under `policy`
/// (actors/net_policy.hpp), and sets `out_of_fds` when it failed for want
/// of descriptors: curl reports only CURLE_COULDNT_CONNECT then.
curl_socket_t open_watched_socket(const curl_sockaddr& addr,
                                  const base::net_policy& policy,
                                  std::string& refusal, bool& out_of_fds);

} // namespace skyhaul
