#include "base/metrics.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace skyhaul::base::metrics {

namespace {

/// Request latencies: from a cached read to a slow upload.
constexpr std::initializer_list<double> request_bounds
    = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
       0.1,    0.25,  0.5,    1,     2.5,   5,     10};

/// LMDB commits: a durable commit costs at least one fsync.
constexpr std::initializer_list<double> commit_bounds
    = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
       0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};

/// Taken only when a face name is seen for the first time.
std::mutex face_mutex;

constexpr std::string_view other_face = "other";

void raise(std::atomic<uint64_t>& counter, uint64_t total) noexcept {
  auto cur = counter.load(std::memory_order_relaxed);
  while (cur < total
         && !counter.compare_exchange_weak(cur, total,
                                           std::memory_order_relaxed))
    ;
}

} // namespace

const char* to_string(transfer k) {
  switch (k) {
    case transfer::http:
      return "http";
    case transfer::torrent:
      return "torrent";
    case transfer::callback:
      return "callback";
    case transfer::upload:
      return "upload";
    case transfer::push:
      return "push";
  }
  return "http";
}

const char* to_string(delivery d) {
  switch (d) {
    case delivery::delivered:
      return "delivered";
    case delivery::retry:
      return "retry";
    case delivery::failed:
      return "failed";
  }
  return "failed";
}

histogram::histogram(std::initializer_list<double> bounds) {
  if (bounds.size() > max_bounds
      || !std::is_sorted(bounds.begin(), bounds.end()))
    throw std::logic_error("histogram bounds: at most 16, ascending");
  std::copy(bounds.begin(), bounds.end(), bounds_.begin());
  num_bounds_ = bounds.size();
}

void histogram::observe(std::chrono::nanoseconds elapsed) noexcept {
  auto ns = std::max<int64_t>(0, elapsed.count());
  auto seconds = static_cast<double>(ns) / 1e9;
  size_t i = 0;
  while (i < num_bounds_ && seconds > bounds_[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

face_figures::face_figures() : duration(request_bounds) {}

registry::registry() : store_commit_(commit_bounds) {}

size_t registry::face_slot(std::string_view name) {
  auto find = [&](size_t used) -> size_t {
    for (size_t i = 0; i < used; ++i)
      if (face_name(i) == name)
        return i;
    return used;
  };
  auto used = faces_used_.load(std::memory_order_acquire);
  if (auto i = find(used); i < used)
    return i;
  std::lock_guard<std::mutex> guard{face_mutex};
  used = faces_used_.load(std::memory_order_acquire);
  if (auto i = find(used); i < used)
    return i;
  // The last slot is kept for "other", so a flood of names stays bounded.
  auto fits = name.size() < names_[0].size() && name != other_face;
  if (!fits || used + 1 >= max_faces) {
    if (auto i = find(used); i < used)
      return i;
    name = other_face;
    if (auto i = find(used); i < used)
      return i;
  }
  auto& buf = names_[used];
  std::copy(name.begin(), name.end(), buf.begin());
  buf[name.size()] = '\0';
  faces_used_.store(used + 1, std::memory_order_release);
  return used;
}

std::string_view registry::face_name(size_t slot) const noexcept {
  return std::string_view{names_[slot].data()};
}

void registry::http_request(size_t slot, unsigned status,
                            std::chrono::nanoseconds elapsed) noexcept {
  if (slot >= max_faces)
    return;
  if (status < first_code || status > last_code)
    status = 500;
  auto& f = faces_[slot];
  f.by_code[status - first_code].fetch_add(1, std::memory_order_relaxed);
  f.duration.observe(elapsed);
}

void registry::raise_download(transfer k, uint64_t total) noexcept {
  raise(downloaded_[index(k)], total);
}

void registry::raise_upload(transfer k, uint64_t total) noexcept {
  raise(uploaded_[index(k)], total);
}

registry& global() {
  static registry r;
  return r;
}

} // namespace skyhaul::base::metrics
