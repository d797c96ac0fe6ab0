#pragma once

// The plain-data side of torrents: file selection, per-file progress, object
// keys and the info-hash cache match. No libtorrent in here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/file_record.hpp"

namespace skyhaul {

struct task_spec;
struct torrent_file_info;

namespace storage {
struct cached_torrent;
} // namespace storage

/// Chooses the wanted files of a torrent named `name` whose files have the
/// paths `paths` (as libtorrent lists them, root folder included). A wanted
/// name matches a path exactly, or without the root folder (`a.bin` for
/// `pack/a.bin`). Empty `wanted` selects every file. Returns one flag per
/// path, or sets `unknown` to the first name that matches nothing.
std::optional<std::vector<bool>>
select_files(const std::vector<std::string>& paths, const std::string& name,
             const std::vector<std::string>& wanted, std::string& unknown);

/// One file's place in the torrent's byte stream.
struct file_span {
  uint64_t offset = 0;
  uint64_t size = 0;
};

/// Verified bytes per file, given the pieces the torrent has.
std::vector<uint64_t> file_done(const std::vector<file_span>& files,
                                uint64_t piece_length,
                                const std::vector<bool>& have);

/// Why a path element of a torrent is unsafe to join to a folder (empty,
/// `.`, `..`, a separator, NUL or another control character), or empty.
std::string unsafe_path_element(const std::string& element);

/// The object key of the torrent file `path`: the task's key when it names
/// exactly one file, `<target>/<path>` otherwise.
std::string torrent_object_key(const task_spec& spec, const std::string& path,
                               bool single_file);

/// `name` under the key prefix `prefix` (`movies` + `a.bin` ->
/// `movies/a.bin`; an empty prefix leaves `name`).
std::string key_under(const std::string& prefix, const std::string& name);

/// A content type guessed from the file name's extension.
std::string content_type_for(const std::string& path);

/// Bytes the wanted files of `files` still need on the disk under
/// `save_path`: each one's size less what it already holds there (its
/// allocated blocks, so that a sparse file counts only what was written).
uint64_t bytes_still_needed(const std::string& save_path,
                            const std::vector<torrent_file_info>& files);

/// Bytes kept free beyond a torrent's wanted files: the fsyncs, the resume
/// data and LMDB's growth need room too.
constexpr uint64_t torrent_space_margin = uint64_t{1} << 20;

/// Why the disk under `save_path` cannot take `need` more bytes and the
/// margin (the `insufficient_storage` message), or empty when it can.
std::string lacks_space(const std::string& save_path, uint64_t need);

/// The stored files that satisfy the wanted names, when the cache entry
/// holds all of them (every file of the torrent when `wanted` is empty).
std::optional<std::vector<file_record>>
cached_files(const storage::cached_torrent& entry,
             const std::vector<std::string>& wanted);

} // namespace skyhaul
