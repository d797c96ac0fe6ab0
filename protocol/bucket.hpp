#pragma once

// The store's answer to "create this bucket", a message of its own so the
// interface says what the reply means.

#include "protocol/fwd.hpp"

#include <cstdint>

namespace skyhaul {

/// What creating a bucket did.
enum class bucket_created : uint8_t {
  created,
  /// The caller owns it already; nothing changed.
  already_yours,
  /// Another user owns it; nothing changed.
  taken,
};

/// The reply to the store's `create` of a bucket.
struct bucket_outcome {
  bucket_created what = bucket_created::created;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bucket_outcome& x) {
  return f(x.what);
}

} // namespace skyhaul
