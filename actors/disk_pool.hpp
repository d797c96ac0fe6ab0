#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace skyhaul {

/// A fixed number of threads for blocking file work: removing partial
/// folders, fsync of finished files. Cooperative actors must not block, and
/// a thread per job does not scale (a batch delete of a thousand tasks
/// would start a thousand); here the jobs wait in a queue instead.
class disk_pool {
public:
  /// Starts `threads` workers (at least one).
  explicit disk_pool(size_t threads);

  /// Runs every job still queued, then joins the workers: a removal asked
  /// for before a stop still happens.
  ~disk_pool();

  disk_pool(const disk_pool&) = delete;
  disk_pool& operator=(const disk_pool&) = delete;

  /// Queues `job`; a worker runs it soon. Jobs report back by message.
  void submit(std::function<void()> job);

  /// The number of workers, fixed for the pool's life.
  size_t threads() const {
    return workers_.size();
  }

  /// Jobs queued and not started yet.
  size_t pending() const;

private:
  void run();

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

} // namespace skyhaul
