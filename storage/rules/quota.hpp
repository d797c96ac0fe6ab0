#pragma once

// The storage quota of a plan (`plan_config::storage_quota`), the one rule
// every face and the store apply: the bytes a user's finished downloads
// hold may not pass it. A new request is refused once they have reached
// it (the size of a download is rarely known before it runs), and a
// download whose files would take them past it fails as it finishes, its
// objects gone in the same transaction.

#include "protocol/plan.hpp"
#include "protocol/task_record.hpp"
#include "protocol/user_record.hpp"
#include "storage/rules/group_commit.hpp"

#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// The plans the quota comes from.
struct quota_rule {
  std::vector<plan_config> plans;
  std::string default_plan;

  /// Bytes `u` may hold; 0 for no limit.
  uint64_t quota_of(const user_record& u) const {
    return plan_named(plans, default_plan, u.plan).storage_quota;
  }

  /// True when no plan has a quota (nothing to count).
  bool unlimited() const;
};

/// What a refusal or a failed finish says.
std::string quota_message(uint64_t quota);

/// Bytes the finished tasks of `owner` hold in their concrete files,
/// leaving task `except` out.
uint64_t stored_bytes(const txn& t, user_id owner, task_seq except = 0);

/// Why `owner`, on `plan`, may not make another request: the message when
/// its finished downloads hold the plan's quota already, nullopt when it
/// may. Every face asks this before it creates a task.
std::optional<std::string> refuse_new(const txn& t, const plan_config& plan,
                                      user_id owner);

/// Refuses (`refusal`, `ec::quota_exceeded`) an object of `owner` of
/// `size` bytes that would take its finished downloads past the quota. The
/// task storing it fails then with the message, before it ever shows as
/// finished; `within_quota` catches the files of a torrent that pass it
/// only together.
void check_object(const txn& t, const quota_rule& q, user_id owner,
                  uint64_t size);

/// The space promised to downloads in progress, kept by the store: two
/// downloads that each fit what is stored cannot both start when together
/// they pass the quota. In memory: after a restart each live download
/// asks again once it knows its size.
class reservations {
public:
  /// Promises `bytes` to task `seq` of `owner`, replacing its promise.
  /// Nothing when it fits the owner's quota beside the stored bytes and
  /// the promises to its other tasks; else why not (and the task keeps
  /// no promise).
  std::optional<std::string> reserve(const txn& t, const quota_rule& q,
                                     user_id owner, task_seq seq,
                                     uint64_t bytes);

  /// The task ended: its promise goes.
  void release(task_seq seq) {
    held_.erase(seq);
  }

  /// Bytes promised to `owner`'s tasks other than `except`.
  uint64_t promised(user_id owner, task_seq except = 0) const;

private:
  struct promise {
    user_id owner = 0;
    uint64_t bytes = 0;
  };
  std::unordered_map<task_seq, promise> held_;
};

/// `rec` as it may be stored: a move into finished whose files would take
/// its owner past the quota becomes `failed` (`ec::quota_exceeded`), and
/// the objects it stored go, their blobs into `orphans`. Anything else is
/// `rec` unchanged: then nothing is returned, and nothing copied.
std::optional<task_record> within_quota(txn& t, const quota_rule& q,
                                        const task_record& rec,
                                        orphan_list& orphans);

} // namespace skyhaul::storage::rules
