#pragma once

// Buckets as transaction bodies.

#include <string>

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// Removes an empty bucket. Refuses with `ec::not_found` when it does not
/// exist and with `ec::invalid_state` when it holds objects.
void remove_bucket(txn& t, const std::string& name);

} // namespace skyhaul::storage::rules
