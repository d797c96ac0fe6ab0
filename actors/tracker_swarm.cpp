#include "actors/tracker_swarm.hpp"

namespace skyhaul {

void tracker_swarm::upsert(const swarm_peer& addr, bool seeder,
                           int64_t now_ms) {
  auto i = index_.find(addr.peer_id);
  if (i == index_.end()) {
    index_.emplace(addr.peer_id, peers_.size());
    peers_.push_back(peer{addr, seeder, now_ms});
    seeders_ += seeder ? 1 : 0;
    return;
  }
  auto& p = peers_[i->second];
  if (p.seeder != seeder)
    seeder ? ++seeders_ : --seeders_;
  p.addr = addr;
  p.seeder = seeder;
  p.seen_ms = now_ms;
}

void tracker_swarm::erase_at(size_t i) {
  if (peers_[i].seeder)
    --seeders_;
  index_.erase(peers_[i].addr.peer_id);
  if (i + 1 != peers_.size()) {
    peers_[i] = std::move(peers_.back());
    index_[peers_[i].addr.peer_id] = i;
  }
  peers_.pop_back();
}

void tracker_swarm::remove(const std::string& peer_id) {
  auto i = index_.find(peer_id);
  if (i != index_.end())
    erase_at(i->second);
}

std::vector<swarm_peer> tracker_swarm::pick(const std::string& self, size_t n,
                                            std::mt19937_64& rng) const {
  std::vector<swarm_peer> out;
  if (peers_.empty() || n == 0)
    return out;
  auto start = std::uniform_int_distribution<size_t>{0, peers_.size() - 1}(
      rng);
  for (size_t k = 0; k < peers_.size() && out.size() < n; ++k) {
    auto& p = peers_[(start + k) % peers_.size()];
    if (p.addr.peer_id != self)
      out.push_back(p.addr);
  }
  return out;
}

void tracker_swarm::expire(int64_t before_ms) {
  for (size_t i = 0; i < peers_.size();) {
    if (peers_[i].seen_ms < before_ms)
      erase_at(i);
    else
      ++i;
  }
}

} // namespace skyhaul
