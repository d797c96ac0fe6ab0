#pragma once

// Login sessions as transaction bodies.

#include <string>

#include "storage/session_table.hpp"

namespace skyhaul::storage::rules {

/// Most expired sessions one login removes on its way.
constexpr size_t session_sweep = 64;

/// Stores a new session under `key` and sweeps some expired ones.
void open_session(txn& t, const std::string& key, const session_record& rec,
                  int64_t now_ms);

/// Revokes the session of `key`; revoking an unknown one is no error
/// (logging out twice ends in the same state).
void close_session(txn& t, const std::string& key);

} // namespace skyhaul::storage::rules
