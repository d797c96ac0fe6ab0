#pragma once

// The small fixed values of index, counter and bookkeeping tables. They are
// records like any other (storage/lmdb_env.hpp stores nothing else), so
// they carry a format version and may grow fields too.

#include <cstdint>
#include <string>

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"
#include "protocol/task_state.hpp"

namespace skyhaul::storage {

/// An entry of the task indexes: tasks_owner, tasks_state, tasks_global.
struct task_index_row {
  task_state state = task_state::waiting;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_index_row& x) {
  return f(x.state);
}

/// A number: the per-owner state counters and the meta sequences
/// (last_task_seq, last_user_id, last_event_id).
struct count_row {
  uint64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, count_row& x) {
  return f(x.count);
}

/// A credential index entry (user_keys): whose key it is.
struct user_key_row {
  user_id id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_key_row& x) {
  return f(x.id);
}

/// A blob file's bookkeeping: how many objects refer to it, and its size.
struct blob_row {
  uint64_t refs = 0;
  uint64_t size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, blob_row& x) {
  return f(x.refs, x.size);
}

/// A bucket: its owner and when it was created (0: by a task's first
/// object, before buckets had a creation time).
struct bucket_row {
  user_id owner = 0;
  int64_t created_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bucket_row& x) {
  return f(x.owner, x.created_ms);
}

/// A text of the meta table (link_secret).
struct text_row {
  std::string text;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, text_row& x) {
  return f(x.text);
}

} // namespace skyhaul::storage

namespace skyhaul {

template <>
struct record_format<storage::task_index_row> : format_version<1, 0> {
  static constexpr const char* table = "tasks_owner/tasks_state/tasks_global";
};

template <>
struct record_format<storage::count_row> : format_version<1, 0> {
  static constexpr const char* table = "counters/meta";
};

template <>
struct record_format<storage::user_key_row> : format_version<1, 0> {
  static constexpr const char* table = "user_keys";
};

template <>
struct record_format<storage::blob_row> : format_version<1, 0> {
  static constexpr const char* table = "blobs";
};

template <>
struct record_format<storage::bucket_row> : format_version<1, 0> {
  static constexpr const char* table = "buckets";
};

template <>
struct record_format<storage::text_row> : format_version<1, 0> {
  static constexpr const char* table = "meta";
};

} // namespace skyhaul
