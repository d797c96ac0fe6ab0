#pragma once

// What each user's finished downloads hold, kept as a figure per user so
// the storage quota (storage/rules/quota) costs one read, not a scan of
// every finished task. `put_task` and `erase_task` move it with each
// record they write; a database from before the table gets it counted
// once when it is opened.

#include "protocol/task_record.hpp"
#include "protocol/user_record.hpp"

#include <cstdint>

namespace skyhaul::storage {

class lmdb_env;
class txn;

/// The bytes `rec` counts for its owner: its concrete files once it is
/// finished, else none.
uint64_t usage_of(const task_record& rec);

/// The bytes `owner`'s finished downloads hold.
uint64_t stored_usage(const txn& t, user_id owner);

/// Moves the owner's figure from what `old` counted to what `rec` counts
/// (either may be null: a new or an erased record).
void move_usage(txn& t, const task_record* old, const task_record* rec);

/// Counts every user's figure from the stored tasks, unless the database
/// says it was done. Called when the database is opened.
void count_usage_once(lmdb_env& env);

} // namespace skyhaul::storage
