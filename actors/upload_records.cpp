#include "actors/upload_records.hpp"

#include <utility>

namespace skyhaul {

void upload_records::park(uint64_t job, upload_recorded recorded) {
  std::lock_guard<std::mutex> guard{mtx_};
  waiting_[job] = std::move(recorded);
}

void upload_records::settle(uint64_t job, bool recorded) {
  upload_recorded then;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = waiting_.find(job);
    if (i == waiting_.end())
      return;
    then = std::move(i->second);
    waiting_.erase(i);
  }
  if (then)
    then(recorded);
}

void upload_records::clear() {
  // Destroyed outside the lock: what they hold may be the last reference
  // to an upload.
  std::unordered_map<uint64_t, upload_recorded> gone;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    gone.swap(waiting_);
  }
}

} // namespace skyhaul
