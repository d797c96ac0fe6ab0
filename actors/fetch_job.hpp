#pragma once

// The downloads of http_fetch as jobs on the curl loop: one job per task,
// found by the task's seq, sharing the global rate limit evenly.

#include "actors/curl_loop.hpp"
#include "protocol/actors.hpp"

#include <memory>
#include <unordered_map>

namespace skyhaul {

struct transfer;

/// The fetch side of the curl loop. Other threads call `start`, `stop` and
/// `close`; they queue a command that runs on the loop thread, which alone
/// touches the transfers.
class fetch_jobs : public std::enable_shared_from_this<fetch_jobs> {
public:
  fetch_jobs(std::shared_ptr<curl_loop> loop, uint64_t global_rate_limit);

  /// Starts `req` (replacing a transfer of the same seq); `who` gets the
  /// progress and the result.
  void start(fetch_request req, fetch_listener_actor who);

  /// Ends the transfer of `seq` without a result.
  void stop(task_seq seq);

  /// Ends every transfer and returns once their files are closed.
  void close();

private:
  friend struct transfer;

  // Loop thread only.
  void add(curl_loop& loop, fetch_request req, fetch_listener_actor who);
  void rebalance();

  std::shared_ptr<curl_loop> loop_;
  uint64_t global_rate_limit_;
  std::unordered_map<task_seq, transfer*> running_;
};

} // namespace skyhaul
