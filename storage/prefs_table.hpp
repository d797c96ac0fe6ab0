#pragma once

// A user's Offcloud preferences (protocol/offcloud_writes.hpp), by user id.

#include <optional>

#include "protocol/ids.hpp"
#include "protocol/offcloud_writes.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

/// The preferences of `uid`; defaults when none were stored.
user_prefs get_user_prefs(const txn& t, user_id uid);

void put_user_prefs(txn& t, user_id uid, const user_prefs& p);

} // namespace skyhaul::storage
