#pragma once

// Reading untrusted archives (zip, tar and its compressed forms, 7z, rar)
// through libarchive: a listing of their files and one file's bytes.
//
// An archive is whatever a user downloaded, so nothing in it is believed:
//  - names that would escape a folder (`..`, absolute paths, drive
//    letters), links and device files refuse the whole archive;
//  - sizes are counted from the bytes the decompressor produces, never
//    taken from headers (which may lie), and a size header that disagrees
//    with its data refuses the archive;
//  - the entry count, the total unpacked size and the compression ratio
//    are checked while reading, so a bomb stops after a few megabytes of
//    output, not after it has burned through gigabytes.
//
// Nothing is ever created under an entry's name: an entry's bytes go to a
// file the caller names, so the names only matter to clients that see
// them. All functions block (decompression); call them from a disk worker.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace skyhaul::storage {

/// What an archive may hold before it is refused.
struct archive_limits {
  /// Headers of every kind (folders included).
  uint64_t max_entries = 10000;
  /// Bytes of all files, unpacked.
  uint64_t max_total_bytes = 64ull << 30;
  /// Unpacked bytes per archive byte read so far. Checked once more than
  /// `ratio_floor` bytes came out, so that a small, very compressible file
  /// is not taken for a bomb.
  uint32_t max_ratio = 1000;
};

/// Output below this many bytes never trips the ratio limit.
constexpr uint64_t ratio_floor = 1u << 20;

/// One regular file of an archive.
struct archive_entry {
  /// Counts from 1, files only (folders are not numbered), in archive
  /// order: the `<n>` of a face's `/<requestId>/<n>/<path>` links.
  uint32_t index = 0;
  /// Its name, `/`-separated, without `./` or empty components.
  std::string path;
  /// Bytes, as counted while reading the data.
  uint64_t size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, archive_entry& x) {
  return f(x.index, x.path, x.size);
}

/// The files of an archive, or why it was refused.
struct archive_listing {
  /// False for a file libarchive does not recognise as an archive (a
  /// plain file: the face answers "Bad archive").
  bool is_archive = false;
  /// Empty when `error` is set.
  std::vector<archive_entry> files;
  /// Why a recognised archive was refused or could not be read; empty
  /// when it was listed.
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, archive_listing& x) {
  return f(x.is_archive, x.files, x.error);
}

/// Lists the regular files of `file`. Reads every entry's data to count
/// it (a tar.gz is decompressed once, whole): see archive_cache.hpp to
/// keep the result.
archive_listing list_archive(const std::string& file,
                             const archive_limits& limits);

/// Receives an entry's bytes in order; returning false stops the read.
using archive_sink = std::function<bool(const char* data, size_t size)>;

/// Hands the bytes of file number `index` (as `list_archive` numbers
/// them) to `sink`, checking the entries on the way as the listing does.
/// Never passes more bytes than the entry's size header says (nor, without
/// one, more than `max_total_bytes`): data that runs past it fails the
/// read. Returns an error text, empty on success. A sink that stops the
/// read makes it fail with "stopped".
std::string read_archive_entry(const std::string& file, uint32_t index,
                               const archive_limits& limits,
                               const archive_sink& sink);

/// Writes the bytes of file number `index` to `dest_file` (a temporary
/// beside it, fsync, rename: `dest_file` is either whole or absent).
/// Returns an error text, empty on success.
std::string extract_archive_entry(const std::string& file, uint32_t index,
                                  const std::string& dest_file,
                                  const archive_limits& limits);

} // namespace skyhaul::storage
