#pragma once

// The parts of a segmented download and how idle connections get work:
// pure bookkeeping, no I/O, so the planning and the stealing are tested on
// their own (tests/actors/segment_plan.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace skyhaul {

/// Bytes [start, end) of the file; the first `done` of them are on disk.
struct segment {
  /// Stable name of the part: indices move when a part is split.
  uint32_t id = 0;
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t done = 0;
  /// A connection fetches it (or waits to retry it).
  bool busy = false;

  uint64_t next() const {
    return start + done;
  }
  uint64_t left() const {
    return end - next();
  }
};

/// The parts of one file, sorted by `start`, covering [0, total) without
/// overlap.
class segment_plan {
public:
  segment_plan() = default;

  /// Up to `parts` parts of about equal size, none smaller than
  /// `min_split` (one part for a file under twice that size). Boundaries
  /// fall on 64 KiB.
  segment_plan(uint64_t total, uint32_t parts, uint64_t min_split);

  /// A plan read back from disk; nullopt unless `parts` cover [0, total)
  /// in order without overlap and no part claims more than its length.
  static std::optional<segment_plan> restore(uint64_t total,
                                             std::vector<segment> parts);

  /// Work for an idle connection, marked busy: a part nobody fetches that
  /// has bytes left, else the upper half of the busy part with the most
  /// left when that half is at least `min_split` (work stealing: the
  /// split part's connection stops at the new end). nullopt: none.
  std::optional<uint32_t> assign(uint64_t min_split);

  /// The part of that id; nullptr when there is none.
  segment* find(uint32_t id);
  const segment* find(uint32_t id) const;

  const std::vector<segment>& parts() const {
    return parts_;
  }
  uint64_t total() const {
    return total_;
  }
  /// Bytes on disk over all parts.
  uint64_t done() const;
  /// Bytes on disk from the start without a gap.
  uint64_t prefix() const;
  bool complete() const {
    return done() == total_;
  }

  /// The plan as text (one line per part), and back: the control file's
  /// body (actors/segmented_state.hpp).
  std::string encode() const;
  static std::optional<segment_plan> decode(uint64_t total,
                                            const std::string& lines);

private:
  uint64_t total_ = 0;
  uint32_t next_id_ = 0;
  std::vector<segment> parts_;
};

} // namespace skyhaul
