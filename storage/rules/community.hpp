#pragma once

// The community's writes as one transaction body each: the checks that
// depend on stored state (who wrote a post, whether its metainfo is in,
// which levels exist) run in the transaction that writes.

#include "protocol/community_write.hpp"

#include <cstdint>

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// Applies `w`. Refuses (rules::refusal) with `ec::not_found` for an
/// unknown post or level (or a disabled post of someone else),
/// `ec::forbidden` when the caller may not, `ec::invalid_argument` for an
/// unknown `minLevel`, `ec::key_exists` for a second metainfo or an
/// info-hash another post carries, `ec::invalid_state` for a level in use.
community_outcome apply_community(txn& t, const community_write& w,
                                  int64_t now_ms);

} // namespace skyhaul::storage::rules
