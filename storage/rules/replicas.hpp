#pragma once

// Replica bookkeeping as transaction bodies: the IDC uploads a finished
// task owes, and what each attempt at one changes.

#include "protocol/replica.hpp"
#include "protocol/task_record.hpp"
#include "storage/rules/outbox.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// Owes one replica per concrete file of `rec` and IDC in `idcs` when
/// `rec` has just finished (`old` was not finished), due at `now_ms`.
/// True when it owed any.
bool owe_replicas(txn& t, const task_record* old, const task_record& rec,
                  const std::vector<std::string>& idcs, int64_t now_ms);

/// What one attempt at a replica changed.
struct replica_outcome {
  /// The job stays owed: try it again.
  bool again = false;
  /// The success callback the task's last first attempt made owed, or 0.
  uint64_t event = 0;
};

/// Applies the outcome of an attempt at `job` (already counted in
/// `job.tries`; `err` empty: uploaded): the IDC goes into the file's
/// `idc_ok` or `idc_failed`, the job ends or stays owed (failed and fewer
/// than `max_tries` tries), and the task's success callback is owed once no
/// first attempt is outstanding. An unknown job changes nothing.
replica_outcome record_replica(txn& t, const callback_policy& cb,
                               const replica_job& job, const std::string& err,
                               uint32_t max_tries, int64_t now_ms);

/// Keeps the state of `job`'s multipart upload (`upload_id`, `part_size`,
/// `part_md5s`) in the stored job; the other fields of `job` are ignored.
/// An unknown job (it ended meanwhile) changes nothing.
void record_upload_progress(txn& t, const replica_job& job);

} // namespace skyhaul::storage::rules
