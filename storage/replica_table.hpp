#pragma once
// The replicas table: IDC uploads still owed, in creation order.

#include "protocol/replica.hpp"
#include "storage/lmdb_env.hpp"

#include <optional>
#include <vector>

namespace skyhaul::storage {

/// Adds `job` under a fresh id, which it returns.
uint64_t add_replica(txn& t, replica_job job);

std::optional<replica_job> get_replica(const txn& t, uint64_t id);

/// Replaces an existing job.
void put_replica(txn& t, const replica_job& job);

void erase_replica(txn& t, uint64_t id);

/// Every owed job, oldest first.
std::vector<replica_job> list_replicas(const txn& t);

/// True when some job of `task` has not reported its first attempt yet.
bool replicas_unreported(const txn& t, task_seq task);

} // namespace skyhaul::storage
