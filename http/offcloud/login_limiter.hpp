#pragma once

// Online password guessing is bounded: failed logins are counted per
// account and per client address within a window, and past the limit
// every further try answers 429 until the window has moved on. Counts
// live in memory: a restart forgives, which costs an attacker a restart
// of someone else's server.

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace skyhaul::http::offcloud {

class login_limiter {
public:
  using clock = std::chrono::steady_clock;

  login_limiter(uint32_t max_failures, std::chrono::seconds window)
      : max_(max_failures), window_(window) {}

  /// Seconds until `account` from `address` may try again; 0 when it may
  /// now.
  uint32_t blocked_for(const std::string& account, const std::string& address,
                       clock::time_point now = clock::now());

  /// Counts a failed try against both.
  void failed(const std::string& account, const std::string& address,
              clock::time_point now = clock::now());

  /// A good password clears the account's failures (not the address's:
  /// one account of its own must not let an address guess others').
  void succeeded(const std::string& account);

private:
  /// Most keys remembered; past it, keys without recent failures go.
  static constexpr size_t max_keys = 100000;

  uint32_t wait_of(const std::string& key, clock::time_point now);
  void prune(clock::time_point now);

  uint32_t max_;
  std::chrono::seconds window_;
  std::mutex mtx_;
  std::unordered_map<std::string, std::deque<clock::time_point>> failures_;
};

} // namespace skyhaul::http::offcloud
