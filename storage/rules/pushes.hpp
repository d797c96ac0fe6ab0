#pragma once

// Remote accounts and pushes as transaction bodies: adding and removing an
// account, the pushes a finished task owes, and what each attempt at one
// changes.

#include "protocol/push.hpp"
#include "protocol/remote_account.hpp"
#include "protocol/task_record.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// Adds `acc` for its owner and returns its id; refuses with
/// `ec::quota_exceeded` when the owner has `max_per_user` accounts already.
uint64_t add_account(txn& t, remote_account acc, size_t max_per_user,
                     int64_t now_ms);

/// Removes account `id` of `owner`; refuses with `ec::not_found` when
/// `owner` has no such account (another user's included). Pushes still
/// owed to it fail when they come up.
void remove_account(txn& t, user_id owner, uint64_t id);

/// `folder` and `name` joined with '/', with empty and "."
/// segments dropped; nullopt when a segment is "..".
std::optional<std::string> join_remote_path(const std::string& folder,
                                            const std::string& name);

/// Owes one push per concrete file of `rec` when it has just finished
/// (`old` was not finished) and names a remote account, due at `now_ms`.
/// An account that is not the task owner's fails every file's push at
/// once. True when it owed any job.
bool owe_pushes(txn& t, const task_record* old, const task_record& rec,
                int64_t now_ms);

/// Applies an attempt (already counted in `a.job.tries`): the file's
/// outcome, the account's usage and pinned host key, and whether the job
/// stays owed (failed, not final, fewer than `max_tries` tries). An
/// unknown job changes nothing and is not tried again.
bool record_push(txn& t, const push_attempt& a, uint32_t max_tries);

/// Keeps the state of `job`'s multipart upload (`upload_id`, `part_size`,
/// `part_md5s`) in the stored job; the other fields of `job` are ignored.
/// An unknown job (it ended meanwhile) changes nothing.
void record_push_progress(txn& t, const push_job& job);

} // namespace skyhaul::storage::rules
