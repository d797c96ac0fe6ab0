#pragma once

// The downloads of http_fetch as jobs on the curl loop: one job per task,
// found by the task's seq, sharing the global rate limit evenly.

#include "actors/curl_loop.hpp"
#include "protocol/actors.hpp"

#include <atomic>
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
  /// Finds the request's proxy and, through one under a network policy,
  /// checks the origin first (see actors/proxy_route.hpp).
  void add(curl_loop& loop, fetch_request req, fetch_listener_actor who);
  /// Starts the transfer itself.
  void launch(curl_loop& loop, fetch_request req, fetch_listener_actor who,
              const proxy_config* proxy, std::string pins,
              bool check_redirects);
  /// Ends a request that never started a transfer.
  void fail(const fetch_request& req, const fetch_listener_actor& who, ec code,
            std::string msg, bool transient = false);
  void rebalance();

  std::shared_ptr<curl_loop> loop_;
  uint64_t global_rate_limit_;
  std::unordered_map<task_seq, transfer*> running_;
  /// Origin checks under way, by seq: the generation whose answer counts.
  std::unordered_map<task_seq, uint64_t> checking_;
  uint64_t generation_ = 0;
  /// Set by `close`: answers of origin checks are dropped from then on.
  std::atomic<bool> closed_{false};
};

} // namespace skyhaul
