#pragma once

// What the tracker counts, as stored: each user's transfer figures, and per
// user and torrent what was credited and the last counters each client
// reported, so that an announce after a restart (of the client or of
// skyhauld) is never counted twice.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"

namespace skyhaul {

/// A user's transfer figures over every torrent of the tracker.
struct user_figures {
  uint64_t uploaded = 0;
  uint64_t downloaded = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_figures& x) {
  return f(x.uploaded, x.downloaded);
}

/// One client's session on a torrent: the counters of its last announce.
struct peer_session {
  std::string peer_id;
  uint64_t uploaded = 0;
  uint64_t downloaded = 0;
  int64_t seen_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_session& x) {
  return f(x.peer_id, x.uploaded, x.downloaded, x.seen_ms);
}

/// A user's figures on one torrent and their clients' sessions.
struct torrent_counter {
  uint64_t uploaded = 0;
  uint64_t downloaded = 0;
  std::vector<peer_session> sessions;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_counter& x) {
  return f(x.uploaded, x.downloaded, x.sessions);
}

/// Most sessions kept per user and torrent; the oldest goes first.
constexpr size_t max_peer_sessions = 8;

template <>
struct record_format<user_figures> : format_version<1, 0> {
  static constexpr const char* table = "figures";
};

template <>
struct record_format<torrent_counter> : format_version<1, 0> {
  static constexpr const char* table = "torrent_counters";
};

} // namespace skyhaul
