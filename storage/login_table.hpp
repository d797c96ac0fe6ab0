#pragma once

// Failed logins of the Offcloud face, per account ("u:<email>") and per
// client address ("a:<address>"), kept in LMDB so that a restart does not
// forgive them. A row holds the times of the newest failures that still
// matter and expires with the last of them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/record_format.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

/// The failures of one key.
struct login_failure_row {
  /// When each counted failure happened (ms since the epoch), oldest first.
  std::vector<int64_t> times_ms;
  /// When the newest failure stops counting: the row may go then.
  int64_t expires_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_failure_row& x) {
  return f(x.times_ms, x.expires_ms);
}

} // namespace skyhaul::storage

namespace skyhaul {

template <>
struct record_format<storage::login_failure_row> : format_version<1, 0> {
  static constexpr const char* table = "login_failures";
};

} // namespace skyhaul

namespace skyhaul::storage {

/// The stored failures of `key`, expired or not.
std::optional<login_failure_row> get_login_failures(const txn& t,
                                                    const std::string& key);

void put_login_failures(txn& t, const std::string& key,
                        const login_failure_row& row);

bool erase_login_failures(txn& t, const std::string& key);

/// Removes up to `limit` rows that expired before `now_ms`; returns how
/// many went. Bounded, so a write that sweeps stays short.
size_t sweep_login_failures(txn& t, int64_t now_ms, size_t limit);

/// Milliseconds until `key` may try again at `now_ms` under `max` failures
/// per `window_ms`; 0 when it may now.
int64_t login_wait_ms(const txn& t, const std::string& key, int64_t now_ms,
                      uint32_t max, int64_t window_ms);

} // namespace skyhaul::storage
