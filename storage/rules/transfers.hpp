#pragma once

// The tracker's figures as a transaction body: one batch of deltas raises
// each user's figures and per-torrent counters and stores the sessions'
// latest counters in the same transaction, so after a crash the baseline
// of the next announce matches the figures exactly.

#include "protocol/transfer_batch.hpp"

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

void apply_transfers(txn& t, const transfer_batch& batch);

} // namespace skyhaul::storage::rules
