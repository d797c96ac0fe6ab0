#pragma once

// The tracker's accounting as a plain class: turns the counters clients
// announce into deltas per user and torrent, never counting a byte twice
// (a client restarting from 0, a `stopped`, a counter that went back), and
// hands them out in batches. No CAF, no LMDB: the tracker loads baselines
// and writes batches; tests drive it directly.

#include "protocol/transfer_batch.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

namespace skyhaul {

class tracker_ledger {
public:
  /// Reads the stored baseline of a session the ledger has not seen
  /// (`uid`, raw info-hash, peer id); nullopt when none is stored.
  using baseline_fn = std::function<std::optional<peer_session>(
      user_id, const std::string&, const std::string&)>;

  explicit tracker_ledger(baseline_fn load) : load_(std::move(load)) {
  }

  /// Counts one announce; `stopped` ends the session (the client's next
  /// `started` counts from 0 again).
  void record(user_id uid, const std::string& info_hash,
              const std::string& peer_id, uint64_t uploaded,
              uint64_t downloaded, bool stopped, int64_t now_ms);

  /// True when something is waiting for the next batch.
  bool dirty() const {
    return !pending_.empty();
  }

  /// Everything counted since the last batch; the ledger starts a new one.
  transfer_batch take();

  /// Puts a batch that could not be written back in front of what came
  /// since, so nothing is lost.
  void restore(transfer_batch batch);

  /// Forgets sessions not seen since `before_ms` that have nothing
  /// waiting; their baselines are in LMDB. Call only while no batch is in
  /// flight.
  void expire(int64_t before_ms);

  size_t sessions() const {
    return sessions_.size();
  }

private:
  static std::string key_of(user_id uid, const std::string& info_hash);

  baseline_fn load_;
  /// uid(8) info-hash(20) peer id -> the session's latest counters.
  std::unordered_map<std::string, peer_session> sessions_;
  /// uid(8) info-hash(20) -> the delta waiting for the next batch.
  std::unordered_map<std::string, transfer_delta> pending_;
};

} // namespace skyhaul
