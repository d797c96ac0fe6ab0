#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/ids.hpp"
#include "protocol/transfer.hpp"

namespace skyhaul {

/// What one user's clients did on one torrent since the last batch: bytes
/// to credit, and the sessions' latest counters (`ended`: the client sent
/// `stopped`, its session goes).
struct transfer_delta {
  user_id uid = 0;
  /// Raw info-hash (20 bytes).
  std::string info_hash;
  uint64_t uploaded = 0;
  uint64_t downloaded = 0;
  std::vector<peer_session> sessions;
  std::vector<std::string> ended;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transfer_delta& x) {
  return f(x.uid, x.info_hash, x.uploaded, x.downloaded, x.sessions,
           x.ended);
}

/// The tracker's figures of one flush, written in one transaction.
struct transfer_batch {
  std::vector<transfer_delta> deltas;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transfer_batch& x) {
  return f(x.deltas);
}

} // namespace skyhaul
