#pragma once

// The uploads waiting for the store to record their open multipart upload
// (see `upload_saved`): the uploader's and the pusher's. An upload's
// `saved` (on the curl loop's thread) parks its `recorded` here under its
// job's id and sends the state to its actor; the actor hands the state to
// the store and, on the answer, settles the wait. An upload waits for one
// record at a time, so one id holds at most one wait.

#include "actors/s3_upload.hpp"
#include "actors/timeouts.hpp"
#include "protocol/atoms.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace skyhaul {

/// Thread-safe.
class upload_records {
public:
  /// Parks `recorded` of job `job` until `settle`.
  void park(uint64_t job, upload_recorded recorded);

  /// Ends job `job`'s wait, if any, with `recorded`.
  void settle(uint64_t job, bool recorded);

  /// Forgets every wait without ending it: the actor is going, and the
  /// loop discards what its uploads would have done next.
  void clear();

private:
  std::mutex mtx_;
  std::unordered_map<uint64_t, upload_recorded> waiting_;
};

/// Hands `progress` (a job's open multipart upload: a `replica_job` or a
/// `push_job`) from actor `self` to `store`, and settles the job's wait in
/// `records` with the answer: the upload goes on once the state is
/// committed.
template <class Self, class Store, class Job>
void record_progress(Self self, const Store& store,
                     std::shared_ptr<upload_records> records, Job progress) {
  auto id = progress.id;
  self->request(store, store_timeout, atom::progress_v, std::move(progress))
      .then([records, id](caf::ok_atom) { records->settle(id, true); },
            [records, id](caf::error&) { records->settle(id, false); });
}

} // namespace skyhaul
