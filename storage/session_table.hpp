#pragma once

// Login sessions of the Offcloud face (the `connect.sid` cookie). Only the
// SHA-256 of a session token is stored: a copy of the database does not
// log anyone in. A session ends at its expiry or when it is revoked.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

/// One session: whose it is and until when it is honoured.
struct session_record {
  user_id user = 0;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_record& x) {
  return f(x.user, x.created_ms, x.expires_ms);
}

} // namespace skyhaul::storage

namespace skyhaul {

template <>
struct record_format<storage::session_record> : format_version<1, 0> {
  static constexpr const char* table = "sessions";
};

} // namespace skyhaul

namespace skyhaul::storage {

/// The key a token is stored under: lower-case hex SHA-256 of it.
std::string session_key(std::string_view token);

/// Stores the session whose token hashes to `key`.
void put_session(txn& t, const std::string& key, const session_record& rec);

/// The stored session of `key`, expired or not.
std::optional<session_record> get_session(const txn& t, const std::string& key);

/// The user of the clear-text `token` when its session lives at `now_ms`.
std::optional<user_id> live_session(const txn& t, std::string_view token,
                                    int64_t now_ms);

/// Revokes the session of `key`; false when there was none.
bool erase_session(txn& t, const std::string& key);

/// Removes up to `limit` sessions that expired before `now_ms`; returns
/// how many went. Bounded, so a write that sweeps stays short.
size_t sweep_sessions(txn& t, int64_t now_ms, size_t limit);

} // namespace skyhaul::storage
