#pragma once
// The owed jobs of a component that runs durable jobs from LMDB (the
// uploader's replicas, the pusher's pushes): those waiting for their time
// and the ids of those running, a bound on how many run at once, and the
// one timer the next due job needs. The jobs themselves stay in LMDB until
// the store records their end; this is only the in-memory schedule, so a
// restarted daemon rebuilds it with `offer` from what LMDB holds.

#include <cstdint>
#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace skyhaul {

/// `Job` has an `id` and a `next_ms` (when it is due, ms since the epoch).
template <class Job>
class job_queue {
public:
  explicit job_queue(size_t max_running) : max_running_(max_running) {
  }

  /// Adds a job loaded from LMDB unless it is waiting or running already.
  void offer(Job job) {
    if (running_.count(job.id) == 0)
      waiting_.emplace(job.id, std::move(job));
  }

  /// The job ended for good (or is gone): it leaves the schedule.
  void finish(uint64_t id) {
    running_.erase(id);
  }

  /// The job ran and stays owed: it waits for its `next_ms`.
  void again(Job job) {
    running_.erase(job.id);
    waiting_.insert_or_assign(job.id, std::move(job));
  }

  /// Starts the due jobs through `start(Job&) -> bool` while fewer than
  /// the bound run; `start` may move from a job it takes (true). A job it
  /// declines (false) stays waiting and is offered again a little later.
  /// Returns the delay in ms of the timer the caller must set, or -1 when
  /// none is needed or the one set already comes soon enough.
  template <class Start>
  int64_t run_due(int64_t now, Start&& start) {
    int64_t next = 0;
    auto soonest = [&](int64_t at) {
      if (next == 0 || at < next)
        next = at;
    };
    for (auto i = waiting_.begin(); i != waiting_.end();) {
      if (i->second.next_ms <= now && running_.size() < max_running_) {
        auto id = i->first;
        if (start(i->second)) {
          running_.insert(id);
          i = waiting_.erase(i);
          continue;
        }
        soonest(now + decline_ms);
        ++i;
        continue;
      }
      soonest(std::max(i->second.next_ms, now + 50));
      ++i;
    }
    if (next == 0 || (tick_at_ != 0 && tick_at_ <= next))
      return -1;
    tick_at_ = next;
    return next - now;
  }

  /// The timer fired.
  void ticked() {
    tick_at_ = 0;
  }

  bool running(uint64_t id) const {
    return running_.count(id) > 0;
  }

private:
  /// How long a declined job waits before it is offered again.
  static constexpr int64_t decline_ms = 200;

  size_t max_running_;
  std::map<uint64_t, Job> waiting_;
  std::set<uint64_t> running_;
  /// Due time of the pending timer, 0 for none.
  int64_t tick_at_ = 0;
};

} // namespace skyhaul
