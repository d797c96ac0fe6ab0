#pragma once

// The Offcloud face's login bookkeeping as transaction bodies: failed
// logins counted per key with their expiry, and a user's preferences.

#include "protocol/ids.hpp"
#include "protocol/offcloud_writes.hpp"

#include <cstddef>

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// Expired failure rows removed per write, at most.
constexpr size_t login_sweep = 16;

/// Counts `f` (or, with `f.clear`, forgets the failures of its keys):
/// each key keeps the times of its newest `f.max_failures` failures still
/// inside `f.window_ms`, and expires with the newest. Sweeps a few expired
/// rows of other keys on the way.
void count_login(txn& t, const login_failure& f);

/// Stores the preferences of `uid`.
void set_prefs(txn& t, user_id uid, const user_prefs& p);

} // namespace skyhaul::storage::rules
