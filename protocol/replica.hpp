#pragma once
// A replica owed to an IDC: one object, one remote endpoint. Written in the
// transaction that finishes the task, so a crash never loses one.

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace skyhaul {

struct replica_job {
  /// Sequence number, the key in the replicas table.
  uint64_t id = 0;
  task_seq task = 0;
  /// Index of the object in the task's `files`.
  uint32_t file = 0;
  /// The IDC's configured name.
  std::string idc;
  /// The local bucket and key; the IDC maps the bucket.
  std::string bucket;
  std::string key;
  std::string blob;
  uint64_t size = 0;
  std::string md5;
  std::string content_type;
  /// Attempts made so far.
  uint32_t tries = 0;
  /// When the next attempt is due (ms since the epoch).
  int64_t next_ms = 0;
  /// True once the first attempt's outcome is in the task's record (and so
  /// in its success callback); later attempts only retry in the background.
  bool reported = false;
  std::string last_error;
  /// A multipart upload the IDC holds for this job (format 1.1): its id,
  /// the part size it is cut in, and the MD5 (lower-case hex) of each part
  /// the IDC confirmed, in order. The next attempt, after a failure or a
  /// restart, continues it; an empty id means none is open.
  std::string upload_id;
  uint64_t part_size = 0;
  std::vector<std::string> part_md5s;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replica_job& x) {
  return f(x.id, x.task, x.file, x.idc, x.bucket, x.key, x.blob, x.size, x.md5,
           x.content_type, x.tries, x.next_ms, x.reported, x.last_error,
           x.upload_id, x.part_size, x.part_md5s);
}

template <>
struct record_format<replica_job> : format_version<1, 1> {
  static constexpr const char* table = "replicas";
};

} // namespace skyhaul
