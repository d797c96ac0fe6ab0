#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "protocol/actors.hpp"
#include "protocol/settings.hpp"

namespace skyhaul {

struct transfer;

/// The curl multi loop. It runs on a thread of its own because
/// `curl_multi_poll` blocks; other threads only queue commands and wake it
/// with `curl_multi_wakeup`.
class http_fetch_loop {
public:
  explicit http_fetch_loop(const settings& cfg);
  ~http_fetch_loop();

  void start(fetch_request req, fetch_listener_actor who);
  void stop(task_seq seq);

  /// Ends the loop and joins the thread. Idempotent.
  void shutdown();

private:
  struct command {
    bool start = false;
    fetch_request req;
    fetch_listener_actor who;
    task_seq seq = 0;
  };

  void run();
  void apply(command& cmd);
  void add(fetch_request req, fetch_listener_actor who);
  void remove(task_seq seq);
  void finish(transfer& t, int curl_code);
  void rebalance();
  void report_progress(bool force_all);

  settings cfg_;
  void* multi_ = nullptr; // CURLM*
  std::mutex mtx_;
  std::deque<command> commands_;
  std::atomic<bool> quit_{false};
  std::unordered_map<task_seq, std::unique_ptr<transfer>> transfers_;
  std::thread thread_;
};

} // namespace skyhaul
