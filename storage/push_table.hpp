#pragma once
// Pushes to remote accounts: the jobs still owed (push_jobs, oldest first)
// and the outcome of every file's push (push_outcomes, by task and file),
// which outlives its job so that a status shows how each file ended.

#include "protocol/push.hpp"
#include "storage/lmdb_env.hpp"

#include <optional>
#include <vector>

namespace skyhaul::storage {

/// Adds `job` under a fresh id, which it returns.
uint64_t add_push(txn& t, push_job job);

std::optional<push_job> get_push(const txn& t, uint64_t id);

/// Replaces an existing job.
void put_push(txn& t, const push_job& job);

void erase_push(txn& t, uint64_t id);

/// Every owed job, oldest first.
std::vector<push_job> list_pushes(const txn& t);

void put_push_outcome(txn& t, const push_outcome& out);

std::optional<push_outcome> get_push_outcome(const txn& t, task_seq task,
                                             uint32_t file);

/// The push of every file of `task`, by file index; empty when the task
/// pushes nothing (or has not finished yet).
std::vector<push_outcome> push_status(const txn& t, task_seq task);

/// Removes the outcomes of `task` (the task goes).
void erase_push_outcomes(txn& t, task_seq task);

} // namespace skyhaul::storage
