#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "protocol/task_query.hpp"
#include "protocol/task_record.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

/// Reads a task record; nullopt when unknown.
std::optional<task_record> get_task(const txn& t, task_seq seq);

/// True when a record of `seq` is stored (without decoding it).
bool has_task(const txn& t, task_seq seq);

/// Inserts or replaces a task record, keeping the owner and state indexes and
/// the per-owner state counters in step with it.
void put_task(txn& t, const task_record& rec);

/// put_task for a caller that already read the stored record (`old`, null
/// when there is none), which spares a second read and decode.
void put_task(txn& t, const task_record& rec, const task_record* old);

/// Removes a task record with its index entries; false when unknown.
bool erase_task(txn& t, task_seq seq);

/// Lists an owner's tasks in creation order (see `task_query`).
task_page list_tasks(const txn& t, user_id owner, const task_query& q);

/// Reads the maintained per-state counters of an owner.
state_counters get_counters(const txn& t, user_id owner);

/// Visits every task in state `s`, all owners, in creation order.
void for_each_task_in_state(const txn& t, task_state s,
                            const std::function<bool(task_seq)>& fn);

/// The highest sequence number ever used (0 for none).
task_seq last_task_seq(const txn& t);

/// Persists the highest sequence number handed out, so ids of deleted tasks
/// are never reused.
void set_last_task_seq(txn& t, task_seq seq);

} // namespace skyhaul::storage
