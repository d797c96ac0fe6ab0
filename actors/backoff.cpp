#include "actors/backoff.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>

namespace skyhaul {

namespace {

/// Actors on any scheduler thread draw from it, hence the lock.
struct jitter_source {
  std::mutex mtx;
  std::mt19937_64 rng{std::random_device{}()};

  uint64_t below_or_equal(uint64_t bound) {
    std::lock_guard<std::mutex> guard{mtx};
    return std::uniform_int_distribution<uint64_t>{0, bound}(rng);
  }
};

jitter_source& source() {
  static jitter_source src;
  return src;
}

} // namespace

caf::timespan backoff_delay(uint64_t base_ms, uint64_t max_ms,
                            uint32_t tries) {
  // 2^30 times any 32-bit base still fits; the cap comes long before.
  auto shift = std::min<uint32_t>(tries > 0 ? tries - 1 : 0, 30);
  auto ms = std::min<uint64_t>(base_ms << shift, max_ms);
  auto jitter = ms / 4 > 0 ? source().below_or_equal(ms / 4) : 0;
  return std::chrono::milliseconds(ms + jitter);
}

void seed_backoff(uint64_t seed) {
  auto& src = source();
  std::lock_guard<std::mutex> guard{src.mtx};
  src.rng.seed(seed);
}

} // namespace skyhaul
