#pragma once

// The peers of one torrent, in the tracker's memory: add, update and
// remove in O(1), a random run of peers for a reply, expiry.

#include "protocol/announce.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace skyhaul {

class tracker_swarm {
public:
  struct peer {
    swarm_peer addr;
    bool seeder = false;
    int64_t seen_ms = 0;
  };

  /// Adds or updates the peer `addr.peer_id`; `seeder` when it has
  /// nothing left to download.
  void upsert(const swarm_peer& addr, bool seeder, int64_t now_ms);

  void remove(const std::string& peer_id);

  /// Up to `n` peers other than `self`, from a random place in the list.
  std::vector<swarm_peer> pick(const std::string& self, size_t n,
                               std::mt19937_64& rng) const;

  /// Removes peers not seen since `before_ms`.
  void expire(int64_t before_ms);

  uint32_t seeders() const {
    return seeders_;
  }
  uint32_t leechers() const {
    return static_cast<uint32_t>(peers_.size()) - seeders_;
  }
  /// How many peers said `completed`.
  uint32_t downloaded = 0;

  bool empty() const {
    return peers_.empty();
  }

private:
  void erase_at(size_t i);

  std::vector<peer> peers_;
  std::unordered_map<std::string, size_t> index_;
  uint32_t seeders_ = 0;
};

} // namespace skyhaul
