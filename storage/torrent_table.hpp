#pragma once

// Torrent state in LMDB: the resume data of live torrent tasks, and the
// info-hash cache of finished ones.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/file_record.hpp"
#include "protocol/ids.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul {
struct task_record;
} // namespace skyhaul

namespace skyhaul::storage {

/// libtorrent resume data of a task's torrent.
struct resume_entry {
  std::string data;
  /// Saved at a clean stop (pause, shutdown): the pieces it lists are on
  /// disk. Periodic saves are not clean: a crash may have lost pieces.
  bool clean = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resume_entry& x) {
  return f(x.clean, x.data);
}

void put_resume(txn& t, task_seq seq, const std::string& data, bool clean);
std::optional<resume_entry> get_resume(const txn& t, task_seq seq);
void erase_resume(txn& t, task_seq seq);

/// What the info-hash cache knows of a torrent: its name, its number of
/// files and the files stored so far (`name` is the torrent path, `blob`
/// the content address).
struct cached_torrent {
  std::string name;
  uint32_t file_count = 0;
  std::vector<file_record> files;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cached_torrent& x) {
  return f(x.name, x.file_count, x.files);
}

} // namespace skyhaul::storage

namespace skyhaul {

template <>
struct record_format<storage::resume_entry> : format_version<1, 0> {
  static constexpr const char* table = "resume";
};

template <>
struct record_format<storage::cached_torrent> : format_version<1, 0> {
  static constexpr const char* table = "torrent_cache";
};

} // namespace skyhaul

namespace skyhaul::storage {

/// Adds the concrete files of a finished torrent task to the cache entry of
/// its info-hash (a later file of the same path replaces an earlier one).
void remember_torrent(txn& t, const task_record& rec);

/// The cache entry of `info_hash`, keeping only files whose blob is still
/// referenced by some object.
std::optional<cached_torrent> find_cached_torrent(const txn& t,
                                                  const std::string& info_hash);

} // namespace skyhaul::storage
