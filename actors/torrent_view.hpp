#pragma once

// The torrent part of the status of a task without a transfer (waiting,
// paused, failed): its file layout from the metadata the task keeps (its
// `.torrent`, or the info dictionary in its resume data).

#include <caf/error.hpp>
#include <string>
#include <vector>

namespace skyhaul {

struct settings;
struct task_record;
struct task_status;
struct torrent_layout;
struct torrent_view;

namespace storage {
class lmdb_env;
} // namespace storage

/// A torrent task that has not ended (finished or cancelled).
bool open_torrent_task(const task_record& rec);

/// The layout of `rec`'s torrent for `wanted`. `ec::invalid_state` when
/// the task keeps no metadata; `ec::invalid_argument` for an unknown name.
caf::error stored_layout(const settings& cfg, storage::lmdb_env& db,
                         const task_record& rec,
                         const std::vector<std::string>& wanted,
                         torrent_layout& out);

/// What a status shows of a torrent laid out as `l`: the metadata, its
/// name, info-hash, size and files.
void put_view(const torrent_layout& l, torrent_view& bt);

/// Fills `ts.bt` (the metadata state and the file list with the wanted
/// flags) of a torrent task that has not ended, from the metadata it
/// keeps; leaves it as it is when there is none.
void fill_stored_view(const settings& cfg, storage::lmdb_env& db,
                      task_status& ts);

} // namespace skyhaul
