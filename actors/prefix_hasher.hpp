#pragma once

// The digests of a file that arrives in parts. MD5 and SHA-1 only take
// bytes in order, so they cover the contiguous prefix of the file as it
// grows: bytes at the frontier are hashed as they arrive, bytes ahead of it
// wait in memory while they fit a bounded window and are otherwise read
// back (from the page cache) once the frontier reaches them. A file that
// arrives in order is never read twice.

#include "storage/digest.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace skyhaul {

class prefix_hasher {
public:
  /// `ds` holds the digests of [0, start) already; at most `window` bytes
  /// ahead of the frontier are kept in memory.
  prefix_hasher(storage::digest_set ds, uint64_t start,
                uint64_t window = 32 << 20);

  /// From now on bytes that arrive at the frontier and are not on disk
  /// yet (`arrived_new`) are written by the hasher's workers, in order,
  /// through `direct_fd` (O_DIRECT; -1 for none) for whole aligned chunks:
  /// a file that arrives in order is written as one stream would be. The
  /// descriptors must stay open until `end_writes`.
  void write_to(int fd, int direct_fd);

  /// Whether `write_to` gave it a file.
  bool writes() const {
    return fd_ >= 0;
  }

  /// Bytes [off, off + n) at the frontier (`off == frontier()`), not on
  /// disk yet: hashed and written (see `write_to`).
  void arrived_new(uint64_t off, const char* p, size_t n);

  /// What `arrived_new` queued that may not be on disk yet (see
  /// storage::digest_set::unwritten).
  std::pair<uint64_t, uint64_t> unwritten() const {
    return ds_.unwritten();
  }
  std::string write_error() const {
    return ds_.write_error();
  }
  /// Writes what is queued and waits for it; nothing more is written.
  void end_writes();

  /// Bytes [off, off + n), held by `p`, are on disk now. At the frontier
  /// they are hashed at once (waiting for the workers when they are
  /// saturated); ahead of it they are kept while they fit the window.
  void arrived(uint64_t off, const char* p, size_t n);

  /// Bytes [off, off + n) are on disk but not in memory (parts resumed
  /// from disk).
  void on_disk(uint64_t off, uint64_t n);

  /// Moves the frontier over what is on disk from it: from memory, else
  /// read from `fd`, at most `budget` bytes read. Unless `wait`, it stops
  /// where the workers are saturated instead of waiting for them. Returns
  /// false on a read error.
  bool advance(int fd, uint64_t budget, bool wait);

  /// Everything before this offset is hashed (or queued to the workers).
  uint64_t frontier() const {
    return frontier_;
  }

  /// The workers have all they may queue: a connection far ahead of the
  /// frontier may as well wait (see actors/segmented_transfer.cpp).
  bool saturated() const {
    return ds_.saturated();
  }

  uint64_t window() const {
    return window_;
  }

  /// Bytes held in memory ahead of the frontier.
  uint64_t held() const {
    return held_;
  }

  /// The digests of [0, frontier()); the hasher is spent afterwards.
  storage::digest_set::result finish();

private:
  /// Bytes known on disk from `off`, without a gap: the covered span that
  /// holds `off` ends there (`off` itself when none does).
  uint64_t covered_until(uint64_t off) const;
  void cover(uint64_t off, uint64_t n);
  /// Hashes what memory holds at the frontier.
  void from_memory();
  /// Switches the workers between writing what they hash and not.
  void set_writing(bool on);

  storage::digest_set ds_;
  uint64_t frontier_;
  uint64_t window_;
  /// Spans on disk ahead of the frontier, start -> end, merged.
  std::map<uint64_t, uint64_t> covered_;
  /// Data ahead of the frontier, by offset.
  std::map<uint64_t, std::string> memory_;
  uint64_t held_ = 0;
  int fd_ = -1;
  int direct_fd_ = -1;
  bool writing_ = false;
};

} // namespace skyhaul
