#include "actors/disk_pool.hpp"

namespace skyhaul {

disk_pool::disk_pool(size_t threads) {
  if (threads == 0)
    threads = 1;
  for (size_t i = 0; i < threads; ++i)
    workers_.emplace_back([this] { run(); });
}

disk_pool::~disk_pool() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_)
    w.join();
}

void disk_pool::submit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

size_t disk_pool::pending() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return jobs_.size();
}

void disk_pool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock{mtx_};
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty())
        return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    // A job that throws must not take the worker (and the process) down.
    try {
      job();
    } catch (...) {
    }
  }
}

} // namespace skyhaul
