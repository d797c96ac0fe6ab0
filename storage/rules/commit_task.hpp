#pragma once

// A task record's writes as transaction bodies: the record with its
// indexes and per-state counters, and what a transition owes in the same
// transaction (callbacks, replicas, the torrent cache and resume rows).

#include "protocol/event.hpp"
#include "protocol/task_record.hpp"
#include "storage/rules/outbox.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// What the commit of a task record made owed.
struct task_commit {
  /// The callback event owed by this transition, or 0.
  uint64_t event = 0;
  /// Replica jobs were owed: the uploader has work.
  bool replicas = false;
  /// Push jobs were owed: the pusher has work.
  bool pushes = false;
  /// The events the transition appended to the event log.
  std::vector<task_event> events;
};

/// Inserts or replaces `rec` with its indexes and counters. A move into an
/// end state drops the torrent resume row; into finished it also feeds the
/// info-hash cache and owes one replica per concrete file and IDC, and one
/// push per file when the task names a remote account. The
/// callback the transition owes is written in the same transaction, so a
/// crash keeps both or neither; with replicas owed, the success callback
/// waits for their first attempts (`record_replica`), so it can name the
/// IDCs. The events it tells (storage/rules/events.hpp) are appended to
/// the event log in the same transaction too.
task_commit commit_task(txn& t, const task_record& rec,
                        const std::vector<std::string>& idcs,
                        const callback_policy& cb, int64_t now_ms);

/// Removes a task record with its indexes, counters, resume row and push
/// outcomes.
void erase_task_record(txn& t, task_seq seq);

/// Stores the libtorrent resume data of `seq`, unless the task ended (or
/// went) meanwhile: an ended task must not get its row back.
void store_resume(txn& t, task_seq seq, const std::string& data, bool clean);

} // namespace skyhaul::storage::rules
