#pragma once

// An announce (BEP 3) and a scrape, parsed at the edge, and the tracker's
// answers; the edge renders them bencoded.

#include <cstdint>
#include <string>
#include <vector>

namespace skyhaul {

enum class announce_event : uint8_t { none = 0, started, stopped, completed };

/// An announce. Binary fields are raw bytes.
struct announce_request {
  std::string passkey;
  std::string info_hash;
  std::string peer_id;
  /// The address the request came from: 4 raw bytes (IPv4) or 16.
  std::string ip;
  uint16_t port = 0;
  uint64_t uploaded = 0;
  uint64_t downloaded = 0;
  uint64_t left = 0;
  announce_event event = announce_event::none;
  uint32_t numwant = 50;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, announce_request& x) {
  return f(x.passkey, x.info_hash, x.peer_id, x.ip, x.port, x.uploaded,
           x.downloaded, x.left, x.event, x.numwant);
}

/// A peer handed out by the tracker.
struct swarm_peer {
  /// 4 raw bytes (IPv4) or 16.
  std::string ip;
  uint16_t port = 0;
  std::string peer_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, swarm_peer& x) {
  return f(x.ip, x.port, x.peer_id);
}

/// The tracker's answer; a non-empty `failure` is all a client reads.
struct announce_reply {
  std::string failure;
  uint32_t interval = 0;
  uint32_t min_interval = 0;
  uint32_t complete = 0;
  uint32_t incomplete = 0;
  std::vector<swarm_peer> peers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, announce_reply& x) {
  return f(x.failure, x.interval, x.min_interval, x.complete, x.incomplete,
           x.peers);
}

/// A scrape of some torrents (raw info-hashes).
struct scrape_request {
  std::string passkey;
  std::vector<std::string> info_hashes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scrape_request& x) {
  return f(x.passkey, x.info_hashes);
}

/// The counts of one scraped torrent.
struct scrape_entry {
  std::string info_hash;
  uint32_t complete = 0;
  uint32_t incomplete = 0;
  uint32_t downloaded = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scrape_entry& x) {
  return f(x.info_hash, x.complete, x.incomplete, x.downloaded);
}

struct scrape_reply {
  std::string failure;
  std::vector<scrape_entry> files;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scrape_reply& x) {
  return f(x.failure, x.files);
}

} // namespace skyhaul
