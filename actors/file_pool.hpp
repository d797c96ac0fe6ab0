#pragma once

// The descriptors of the downloads' output files: a bounded pool of open
// files, least recently used closed first (as libtorrent's and aria2's
// file pools), so ten thousand slow downloads hold ten thousand sockets
// and not thirty thousand descriptors. A download writes whole chunks
// (storage/digest.hpp keeps its bytes in memory until then) and borrows a
// descriptor for each write only.

#include "storage/digest.hpp"

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>

namespace skyhaul {

class file_pool;

/// One output file of the pool: a `write_target` for its digest set.
/// Its descriptors open on the first write that needs them and close when
/// the pool needs room, or with `close`.
class pooled_file : public storage::write_target {
public:
  pooled_file(std::shared_ptr<file_pool> pool, std::string path);
  ~pooled_file() override;

  pooled_file(const pooled_file&) = delete;
  pooled_file& operator=(const pooled_file&) = delete;

  int acquire(bool direct) override;
  void release(int fd) override;

  /// Closes the file's descriptors now; a later `acquire` opens again.
  void close();

  const std::string& path() const {
    return path_;
  }

private:
  friend class file_pool;
  std::shared_ptr<file_pool> pool_;
  std::string path_;
  /// The file system refused O_DIRECT (tmpfs): buffered writes only.
  /// Guarded by the pool's mutex.
  bool no_direct_ = false;
};

/// Thread-safe: the write thread borrows, the curl loop closes.
class file_pool : public std::enable_shared_from_this<file_pool> {
public:
  /// At most `capacity` descriptors open at once (at least one).
  explicit file_pool(size_t capacity);
  ~file_pool();

  /// The process's pool, sized by `capacity_for` from RLIMIT_NOFILE when
  /// first used (app/fd_limit.cpp raises the limit before).
  static std::shared_ptr<file_pool> process();

  /// A share of `soft_limit` descriptors: most go to sockets (one per
  /// transfer), the rest to the store, the listeners and the torrent
  /// session; a write needs one file at a time, so a few hundred keep
  /// the files of busy downloads open between their chunks.
  static size_t capacity_for(size_t soft_limit);

  /// The file at `path`, created by its download before.
  std::shared_ptr<pooled_file> file(std::string path);

  size_t capacity() const {
    return capacity_;
  }
  /// Descriptors open now.
  size_t open_count() const;
  /// Descriptors opened so far (a measure of churn, for tests).
  size_t opened_total() const;

private:
  friend class pooled_file;
  struct slot {
    const pooled_file* owner;
    bool direct;
    int fd;
    bool busy;
  };

  int acquire(pooled_file& f, bool direct);
  void release(int fd);
  void close_all(const pooled_file& f);
  /// Closes the least recently used idle descriptor; false when none.
  bool evict_one();

  const size_t capacity_;
  mutable std::mutex mtx_;
  /// Most recently used first.
  std::list<slot> slots_;
  size_t opened_ = 0;
};

} // namespace skyhaul
