#pragma once

// The control file of a segmented download: `<partial file>.parts`, next
// to the partial file, like aria2's `.aria2` file.
//
// A file rather than an LMDB record written through the store actor: it
// is rewritten every second of a transfer, which as a record would be a
// durable commit per second per task on the store's one writer; it is
// ordered with the data it describes by the same thread (fdatasync of the
// data, then the control file), and it lives and dies with the partial
// folder (removed with it, never left behind as an orphan record).
//
// Replaced atomically (write a temporary file, fsync, rename, fsync the
// folder) and versioned by its first line; a file of an unknown version or
// one that does not parse is not used: the download starts from zero, so
// no hole is ever taken for data.

#include "actors/segment_plan.hpp"

#include <optional>
#include <string>

namespace skyhaul {

/// What the control file holds.
struct segment_state {
  /// Size of the file; the parts cover [0, total).
  uint64_t total = 0;
  /// ETag or Last-Modified the parts were fetched under (sent as If-Range).
  std::string validator;
  /// Where the parts come from after redirects; without credentials when
  /// the origin URL had none.
  std::string url;
  /// What the first response named the file and its type.
  std::string file_name;
  std::string content_type;
  segment_plan plan;
};

/// `<data_path>.parts`.
std::string segment_state_path(const std::string& data_path);

/// The control file of `data_path`; nullopt when there is none or it is
/// not of a version this binary reads. Blocking.
std::optional<segment_state> read_segment_state(const std::string& data_path);

/// Makes the data file durable (fdatasync), then replaces the control file
/// with `s`: the file never claims bytes that are not on disk. Returns an
/// error text, empty on success. Blocking.
std::string write_segment_state(const std::string& data_path,
                                const segment_state& s);

/// Empties the data file, then removes its control file. Blocking.
void reset_segment_state(const std::string& data_path);

} // namespace skyhaul
