#pragma once

// Reading metainfo with libtorrent: limits, path checks, the file layout and
// the file selection of a task.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "actors/torrent_files.hpp"
#include "protocol/torrent.hpp"

namespace libtorrent {
class torrent_info;
struct info_hash_t;
} // namespace libtorrent

namespace skyhaul {

/// Lower-case hex of the v1 info-hash, or of the v2 one without v1.
std::string hash_hex(const libtorrent::info_hash_t& ih);

/// Parses a bencoded `.torrent` of at most `max_size` bytes. Refuses, with
/// `ec::download_source_exception` and a message: malformed bencode, a
/// metainfo libtorrent rejects, and file paths that would leave the target
/// (`..`, `.`, separators inside elements, control characters).
/// `ec::too_large` when the metainfo is larger than `max_size`.
caf::error parse_metainfo(const std::string& bytes, uint64_t max_size,
                          std::shared_ptr<const libtorrent::torrent_info>& out);

/// `bytes` (a .torrent) with the DHT contacts of its top-level `nodes`
/// list that `keep(host)` refuses left out, and the list with them when
/// none is kept; every other byte as it was, so the info-hash and all else
/// stay. `bytes` itself when nothing is left out or it does not decode.
std::string keep_dht_nodes(const std::string& bytes,
                           const std::function<bool(const std::string&)>& keep);

/// The path checks of `parse_metainfo` on a torrent_info that came from the
/// swarm (a magnet link's metadata); empty when every path is safe.
std::string unsafe_torrent_paths(const libtorrent::torrent_info& ti);

/// A torrent's files as a task sees them (pad files left out) with the
/// task's selection applied.
struct torrent_layout {
  torrent_meta meta;
  /// libtorrent's file index of each `meta.files` entry.
  std::vector<int> lt_index;
  /// Priority per libtorrent file (0: not wanted, 4: wanted).
  std::vector<uint8_t> priorities;
  /// Place of each `meta.files` entry in the byte stream.
  std::vector<file_span> spans;
  uint64_t piece_length = 0;
};

/// Builds the layout of `ti` for the wanted names; an unknown name fails
/// with `ec::download_source_exception`.
caf::error layout_of(const libtorrent::torrent_info& ti,
                     const std::vector<std::string>& wanted,
                     torrent_layout& out);

} // namespace skyhaul
