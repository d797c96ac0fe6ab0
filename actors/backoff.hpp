#pragma once

#include <caf/timespan.hpp>
#include <cstdint>

namespace skyhaul {

/// The delay before attempt `tries + 1` of anything that retries (tasks,
/// callbacks, replicas): `base_ms * 2^(tries-1)`, capped at `max_ms`, plus
/// up to 25% jitter so that many failures at once do not retry in step.
/// The jitter comes from one generator for the whole process, seeded once.
caf::timespan backoff_delay(uint64_t base_ms, uint64_t max_ms, uint32_t tries);

/// Reseeds the generator behind the jitter (tests repeat a sequence).
void seed_backoff(uint64_t seed);

} // namespace skyhaul
