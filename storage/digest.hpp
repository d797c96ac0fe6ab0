#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace skyhaul::storage {

/// A file a writing `digest_set` borrows a descriptor of for each write
/// only (a bounded pool of open files, actors/file_pool.hpp), so a slow
/// download holds none between its writes. Called on the set's write
/// thread.
class write_target {
public:
  virtual ~write_target() = default;
  /// A descriptor for one write; `direct`: opened with O_DIRECT. -1 with
  /// errno set when there is none (EINVAL: no direct I/O here).
  virtual int acquire(bool direct) = 0;
  /// The write through `fd` from `acquire` is done.
  virtual void release(int fd) = 0;
};

/// MD5, SHA-1 and CRC32 of one byte stream, computed as it arrives.
///
/// MD5 runs on a process-wide worker thread and, with `write_to`, the file
/// write on a second, in 1 MiB chunks, so a download thread that feeds it
/// keeps receiving while MD5 (the slowest, which cannot be split) is
/// computed and the bytes written on the other cores. CRC32 (PCLMULQDQ, a
/// tenth of MD5's cost) is computed in `update`, in the pass that copies
/// the bytes into the chunk; so is SHA-1 where the CPU has instructions
/// for it (less than half MD5's cost), and on a third worker where it has
/// not. After a failed write nothing more is written and the file ends
/// where the failed chunk began. `update` copies; `finish` waits for the
/// workers. At most 16 MiB per set are in flight: a faster feeder waits.
class digest_set {
public:
  /// Lower-case hex digests; CRC32 as 8 zero-padded digits.
  struct result {
    std::string md5;
    std::string sha1;
    std::string crc32;
  };

  digest_set();
  ~digest_set();
  digest_set(digest_set&&) noexcept;
  digest_set& operator=(digest_set&&) noexcept;

  void update(const void* data, size_t size);

  /// From now on the bytes fed also go to a file, in order, starting at
  /// `offset`: through `direct_fd` (opened with O_DIRECT; -1 for none) for
  /// whole page-aligned chunks, through `fd` for the rest. The set does not
  /// own the descriptors; they must stay open until `end_writes` or
  /// `finish`. Bytes fed before this call are hashed only. With
  /// `cut_on_error` a failed write cuts the file back to the failed offset
  /// (a file that must stay a prefix); without, the file is left as it is
  /// (a file of parts, whose other parts lie beyond).
  void write_to(int fd, int direct_fd, uint64_t offset,
                bool cut_on_error = true);

  /// As above, with the descriptors borrowed from `target` for each
  /// write (a failed `acquire` is a failed write, with nothing written).
  void write_to(std::shared_ptr<write_target> target, uint64_t offset,
                bool cut_on_error = true);

  /// Sends the bytes of the chunk being filled to the workers now (to be
  /// hashed and, when writing, written) instead of once the chunk is full;
  /// the next chunk still ends on a chunk boundary. A slow download does
  /// this so that its bytes wait in memory only up to a bound of its own.
  void flush();

  /// Bytes fed that wait in the chunk being filled.
  size_t buffered() const;

  /// Bytes fed for writing that may not be on disk yet: [first, second),
  /// empty when every one is written. After a failed write it keeps
  /// covering the failed bytes.
  std::pair<uint64_t, uint64_t> unwritten() const;

  /// Writes what is buffered, waits for every write and writes no more.
  /// Returns the first write error, empty when none.
  std::string end_writes();

  /// The first write error so far (strerror text), empty when none.
  std::string write_error() const;

  /// Ends the stream (and any writing, see `end_writes`); the set is fresh
  /// again afterwards, but `write_error` keeps its value until `reset`.
  result finish();

  /// Forgets everything fed so far.
  void reset();

  /// True while the workers have as much of this set in flight as it may
  /// queue: the next full chunk would make `update` wait. A feeder with
  /// other work (actors/prefix_hasher.hpp) does that first.
  bool saturated() const;

  /// Bytes fed so far.
  uint64_t size() const {
    return size_;
  }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  uint64_t size_ = 0;
};

/// Feeds the first `limit` bytes of `path` into `ds`; returns the number of
/// bytes read (less than `limit` when the file is shorter). Blocking.
uint64_t feed_file(digest_set& ds, const std::string& path,
                   uint64_t limit = UINT64_MAX);

} // namespace skyhaul::storage
