#pragma once

// Reading a finished torrent's wanted files back before they are stored:
// their MD5, SHA-1 and CRC32, and every piece they touch checked against the
// torrent's own hashes. Blocking, plain code (libtorrent, no CAF): the task
// runs it on a detached worker.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/file_record.hpp"

namespace skyhaul {

/// What reading the wanted files back found.
struct torrent_check {
  /// One record per wanted file, in torrent order (name, size, digests,
  /// blob, content type); complete only when `error` is empty.
  std::vector<file_record> files;
  /// Why the files must not be stored; empty when they may.
  std::string error;
  /// `error` names bytes the swarm can mend: a piece or file that does not
  /// match its hash, or a file shorter than the torrent says. A recheck
  /// makes libtorrent fetch those pieces again.
  bool corrupt = false;
  /// Pieces checked against their v1 SHA-1, and boundary pieces whose bytes
  /// in unwanted files were nowhere on disk, so their v1 hash was left out
  /// (the wanted file's part of them is still covered by the v2 root of a
  /// v2 or hybrid torrent).
  uint64_t pieces_checked = 0;
  uint64_t pieces_skipped = 0;
  /// Wanted files checked against their v2 merkle root.
  uint64_t roots_checked = 0;
};

/// Reads the wanted files of the torrent whose bencoded info dictionary is
/// `info_section` (paths as libtorrent lists them, root
/// folder included) under `save_path` once, in torrent order: hashes them,
/// fsyncs them, and checks every piece that touches one of them against its
/// v1 SHA-1 (the bytes a boundary piece has in an unwanted file come from
/// libtorrent's part file `.<info-hash>.parts`, or from that file when
/// libtorrent wrote it in place) and, for v2 and hybrid torrents, every
/// wanted file against the SHA-256 merkle root in the info dictionary.
/// Stops at the first problem.
torrent_check check_torrent_files(const std::string& info_section,
                                  const std::string& save_path,
                                  const std::vector<std::string>& wanted);
} // namespace skyhaul
