#pragma once

// Posts Skyhaul seeds itself and the metadata of magnet links, in LMDB
// (the records are in protocol/post_seed.hpp).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "protocol/post_seed.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

void put_seed(txn& t, const post_seed& rec);
std::optional<post_seed> get_seed(const txn& t, uint64_t pid);
void erase_seed(txn& t, uint64_t pid);

/// Visits every seeded post in pid order while `fn` returns true.
void scan_seeds(const txn& t, const std::function<bool(const post_seed&)>& fn);

/// Keeps the info dictionary of `info_hash` (lower-case hex); the first
/// one kept stays (the same hash, the same bytes).
void put_torrent_metadata(txn& t, const std::string& info_hash,
                          const std::string& info);
std::optional<torrent_metadata> get_torrent_metadata(
    const txn& t, const std::string& info_hash);

} // namespace skyhaul::storage
