#pragma once
// Pushes of a finished task's files to a remote account: the job owed per
// file (written in the transaction that finishes the task, so a crash never
// loses one), what one attempt at it reports, and each file's outcome as
// the faces show it.

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"

#include <cstdint>
#include <string>
#include <vector>
#include "protocol/enum_range.hpp"

namespace skyhaul {

struct push_job {
  /// Sequence number, the key in the push_jobs table.
  uint64_t id = 0;
  task_seq task = 0;
  /// Index of the file in the task's `files`.
  uint32_t file = 0;
  uint64_t account = 0;
  /// Where the file goes on the account, '/'-separated, no leading '/',
  /// no empty, "." or ".." segment (the account's own path not included).
  std::string remote_path;
  std::string blob;
  uint64_t size = 0;
  std::string md5;
  std::string content_type;
  /// Attempts made so far.
  uint32_t tries = 0;
  /// When the next attempt is due (ms since the epoch).
  int64_t next_ms = 0;
  std::string last_error;
  /// An S3 account's multipart upload open for this job (format 1.1): its
  /// id, the part size it is cut in, and the MD5 (lower-case hex) of each
  /// part the remote confirmed, in order. The next attempt, after a
  /// failure or a restart, continues it; an empty id means none is open.
  std::string upload_id;
  uint64_t part_size = 0;
  std::vector<std::string> part_md5s;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, push_job& x) {
  return f(x.id, x.task, x.file, x.account, x.remote_path, x.blob, x.size,
           x.md5, x.content_type, x.tries, x.next_ms, x.last_error,
           x.upload_id, x.part_size, x.part_md5s);
}

template <>
struct record_format<push_job> : format_version<1, 1> {
  static constexpr const char* table = "push_jobs";
};

/// One attempt at a push, as the pusher reports it to the store.
struct push_attempt {
  push_job job;
  /// Empty: pushed.
  std::string error;
  /// Trying again is pointless (refused address, changed host key, the
  /// account went).
  bool final = false;
  /// The SFTP host key the server showed, to pin on first use; "" for
  /// the other types.
  std::string host_key;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, push_attempt& x) {
  return f(x.job, x.error, x.final, x.host_key);
}

/// Where the push of one file stands.
enum class push_state : uint8_t {
  /// Owed, not attempted yet.
  queued = 0,
  /// An attempt failed; another is due.
  retrying,
  done,
  failed,
};

template <>
struct enum_range<push_state> {
  static constexpr auto last = push_state::failed;
};

/// "queued", "retrying", "done" or "failed".
const char* to_string(push_state s);

/// The push of one file of a task, as the faces show it.
struct push_outcome {
  task_seq task = 0;
  uint32_t file = 0;
  uint64_t account = 0;
  std::string remote_path;
  push_state state = push_state::queued;
  /// Bytes on the remote: the file's size once done, else 0.
  uint64_t bytes = 0;
  uint64_t size = 0;
  uint32_t tries = 0;
  /// The last attempt's error; "" once done.
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, push_outcome& x) {
  return f(x.task, x.file, x.account, x.remote_path, x.state, x.bytes,
           x.size, x.tries, x.error);
}

template <>
struct record_format<push_outcome> : format_version<1, 0> {
  static constexpr const char* table = "push_outcomes";
};

} // namespace skyhaul
