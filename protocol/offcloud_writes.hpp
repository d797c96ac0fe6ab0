#pragma once

// What the Offcloud face stores besides sessions, as store messages: failed
// logins, counted in LMDB so that a restart does not forgive them, and a
// user's preferences (the default proxy of requests that name none).

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/record_format.hpp"

namespace skyhaul {

/// A failed login to count against each of `keys` (the account and the
/// client address), or, with `clear`, a good password that forgets the
/// failures of `keys` (its account). Counted by storage/rules/logins.cpp.
struct login_failure {
  std::vector<std::string> keys;
  bool clear = false;
  /// When it happened (ms since the epoch).
  int64_t at_ms = 0;
  /// Failures that matter (the newest this many are kept per key), and how
  /// long one counts.
  uint32_t max_failures = 0;
  int64_t window_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_failure& x) {
  return f(x.keys, x.clear, x.at_ms, x.max_failures, x.window_ms);
}

/// A user's choices on the Offcloud face (table `user_prefs`, by user id).
struct user_prefs {
  /// The configured proxy (`settings::proxies` id) of a request that names
  /// none; "" for the service's default.
  std::string default_proxy;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_prefs& x) {
  return f(x.default_proxy);
}

template <>
struct record_format<user_prefs> : format_version<1, 0> {
  static constexpr const char* table = "user_prefs";
};

} // namespace skyhaul
