#pragma once

// Online password guessing is bounded: failed logins are counted per
// account and per client address within a window, and past the limit
// every further try answers 429 until the window has moved on. The counts
// live in LMDB (storage/login_table, written by the store through
// storage/rules/logins), so a restart does not forgive them.

#include <cstdint>
#include <string>

#include "protocol/offcloud_writes.hpp"

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::http::offcloud {

class login_limiter {
public:
  /// `max_failures` 0 turns the limit off.
  login_limiter(uint32_t max_failures, uint32_t window_s)
      : max_(max_failures), window_ms_(int64_t{window_s} * 1000) {
  }

  /// Seconds until `account` from `address` may try again at `now_ms`; 0
  /// when it may now.
  uint32_t blocked_for(const storage::txn& t, const std::string& account,
                       const std::string& address, int64_t now_ms) const;

  /// The write that counts a failed try against both; nothing to write
  /// (no keys) when the limit is off.
  login_failure failed(const std::string& account, const std::string& address,
                       int64_t now_ms) const;

  /// The write that a good password makes: it clears the account's
  /// failures (not the address's: one account of its own must not let an
  /// address guess others').
  login_failure succeeded(const std::string& account, int64_t now_ms) const;

private:
  uint32_t max_;
  int64_t window_ms_;
};

} // namespace skyhaul::http::offcloud
