#pragma once
// The remote accounts: keyed by owner then id, so a user's accounts are
// one prefix scan, with an id -> owner index for lookups by id.

#include "protocol/remote_account.hpp"
#include "storage/lmdb_env.hpp"

#include <optional>
#include <vector>

namespace skyhaul::storage {

/// Adds `acc` under a fresh id, which it returns.
uint64_t add_remote_account(txn& t, remote_account acc);

std::optional<remote_account> get_remote_account(const txn& t, uint64_t id);

/// Replaces an existing account (same id and owner).
void put_remote_account(txn& t, const remote_account& acc);

/// Removes account `id`; false when it does not exist.
bool erase_remote_account(txn& t, uint64_t id);

/// The accounts of `owner`, oldest first.
std::vector<remote_account> list_remote_accounts(const txn& t, user_id owner);

} // namespace skyhaul::storage
