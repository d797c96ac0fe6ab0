#pragma once

#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/file_record.hpp"
#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"
#include "protocol/task_spec.hpp"
#include "protocol/task_state.hpp"

namespace skyhaul {

/// The persistent form of a task: the LMDB value of the tasks table.
struct task_record {
  task_seq seq = 0;
  user_id owner = 0;
  task_spec spec;
  task_state state = task_state::waiting;
  /// Why the task failed; `ec::none` otherwise.
  ec error = ec::none;
  std::string error_message;
  /// Bytes on disk and expected total (-1: unknown yet).
  uint64_t done_bytes = 0;
  int64_t total_bytes = -1;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  /// File name learnt from the source (Content-Disposition or URL path).
  std::string file_name;
  /// ETag or Last-Modified of the source, for `If-Range` on resume.
  std::string validator;
  /// A torrent task, once its metadata is known: the info-hash (lower-case
  /// hex), the torrent's name and its number of files.
  std::string info_hash;
  std::string torrent_name;
  uint32_t torrent_files = 0;
  /// Attempts made so far.
  uint32_t tries = 0;
  /// Objects stored by this task.
  std::vector<file_record> files;
  /// The task's log: what the engine chose to tell, e.g. a mirror dropped
  /// and why; the latest `max_task_notes`, oldest first (format 1.3).
  std::vector<std::string> notes;
};

/// How many notes a task keeps.
constexpr size_t max_task_notes = 20;

/// Appends `more` to the task's log, which keeps the latest
/// `max_task_notes`.
inline void add_notes(task_record& rec, std::vector<std::string> more) {
  auto& notes = rec.notes;
  notes.insert(notes.end(), std::make_move_iterator(more.begin()),
               std::make_move_iterator(more.end()));
  if (notes.size() > max_task_notes)
    notes.erase(notes.begin(), notes.end() - max_task_notes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_record& x) {
  return f(x.seq, x.owner, x.spec, x.state, x.error, x.error_message,
           x.done_bytes, x.total_bytes, x.created_ms, x.updated_ms,
           x.file_name, x.validator, x.info_hash, x.torrent_name,
           x.torrent_files, x.tries, x.files, x.notes);
}

template <>
struct record_format<task_record> : format_version<1, 4> {
  static constexpr const char* table = "tasks";
};

} // namespace skyhaul
