#pragma once

// The steps of a torrent task, by concern: its start (the metainfo, the
// torrent in the session, metadata, progress, the info-hash cache) in
// actors/torrent_task_start.cpp, its end (reading the files back,
// rechecks, storing them) in actors/torrent_task_finish.cpp, and the
// behaviour that routes messages to them, with pause and cancel, in
// actors/torrent_task.cpp.

#include "actors/task_internal.hpp"

#include <string>
#include <vector>

namespace skyhaul::detail::bt {

// -- start (actors/torrent_task_start.cpp) ----------------------------------

/// Starts (or restarts after a backoff) whatever comes next: the fetch of
/// the `.torrent`, or the torrent in the session.
void begin(task_ptr self);

/// Adds the torrent to the session (the metainfo or the magnet link).
void start_swarm(task_ptr self);

/// Completes the task from the info-hash cache when it holds every wanted
/// file; false when it does not (nothing happened).
bool try_cache(task_ptr self, const std::string& info_hash);
/// `try_cache` for the info-hash of the task's `.torrent` bytes, if any.
bool try_cache_metainfo(task_ptr self);

/// The fetch of the `.torrent` ended; on success its bytes are read on
/// the disk pool and come back to `on_metainfo_read`.
void on_metainfo(task_ptr self, const fetch_result& res);

/// The bytes of the fetched `.torrent` (empty when unreadable).
void on_metainfo_read(task_ptr self, std::string& bytes);

/// The session knows the torrent's metadata.
void on_meta(task_ptr self, torrent_meta& m);

/// The torrent's live figures, about once a second.
void on_progress(task_ptr self, torrent_progress& p);

/// The wanted files chosen anew (actors/torrent_task_choice.cpp): applied
/// to the torrent in the session, then stored; the status is replied once
/// the record is durable.
caf::result<task_status> choose(task_ptr self, std::vector<std::string> names);

// -- end (actors/torrent_task_finish.cpp) -----------------------------------

/// Every wanted piece is on disk: the files are read back and hashed off
/// the actor; the outcome comes back as `finalize` or a `done` with
/// `ec::checksum_mismatch`.
void hash_files(task_ptr self, std::string info_section);

/// The files read back failed the torrent's hashes: checked again and
/// downloaded again, a bounded number of times.
void recheck(task_ptr self, const std::string& why);

/// The files are hashed and durable (or `err` says why not): they are
/// verified and stored as objects.
void on_hashed(task_ptr self, std::vector<file_record>& files,
               std::string& err);

/// Gives every file its object key; false (and the task failed) when a
/// torrent path makes an unusable key.
bool assign_keys(task_ptr self, std::vector<file_record>& files);

/// Expected size and digests apply when the task stores one file; false
/// (and the task failed) when they do not match.
bool verify_files(task_ptr self, const std::vector<file_record>& files);

/// Commits `files[i...]` one after the other, then finishes the task.
/// `sources` holds the fsynced file of each (empty: the blob is stored);
/// `link` keeps the torrent seeding from the same inodes.
void commit_from(task_ptr self, std::vector<file_record> files,
                 std::vector<std::string> sources, size_t i, bool link);

} // namespace skyhaul::detail::bt
