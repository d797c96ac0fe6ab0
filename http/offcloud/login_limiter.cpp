#include "http/offcloud/login_limiter.hpp"

namespace skyhaul::http::offcloud {

uint32_t login_limiter::wait_of(const std::string& key,
                                clock::time_point now) {
  auto i = failures_.find(key);
  if (i == failures_.end())
    return 0;
  auto& q = i->second;
  while (!q.empty() && q.front() + window_ <= now)
    q.pop_front();
  if (q.size() < max_)
    return 0;
  // The oldest failure that still counts leaves the window first.
  auto left = std::chrono::duration_cast<std::chrono::seconds>(
                  q[q.size() - max_] + window_ - now)
                  .count();
  return static_cast<uint32_t>(left < 1 ? 1 : left);
}

uint32_t login_limiter::blocked_for(const std::string& account,
                                    const std::string& address,
                                    clock::time_point now) {
  if (max_ == 0)
    return 0;
  std::lock_guard<std::mutex> guard{mtx_};
  auto a = wait_of("u:" + account, now);
  auto b = wait_of("a:" + address, now);
  return a > b ? a : b;
}

void login_limiter::failed(const std::string& account,
                           const std::string& address, clock::time_point now) {
  if (max_ == 0)
    return;
  std::lock_guard<std::mutex> guard{mtx_};
  if (failures_.size() >= max_keys)
    prune(now);
  for (auto key : {"u:" + account, "a:" + address}) {
    auto& q = failures_[key];
    q.push_back(now);
    // Only the newest `max_` matter for the decision.
    while (q.size() > max_)
      q.pop_front();
  }
}

void login_limiter::succeeded(const std::string& account) {
  std::lock_guard<std::mutex> guard{mtx_};
  failures_.erase("u:" + account);
}

void login_limiter::prune(clock::time_point now) {
  for (auto i = failures_.begin(); i != failures_.end();) {
    auto& q = i->second;
    if (q.empty() || q.back() + window_ <= now)
      i = failures_.erase(i);
    else
      ++i;
  }
  // Everyone failing at once: forget the lot rather than grow without end.
  if (failures_.size() >= max_keys)
    failures_.clear();
}

} // namespace skyhaul::http::offcloud
