#pragma once

// Community levels, users' transfer figures and the tracker's per-user,
// per-torrent counters in LMDB, and the level a user holds.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/level.hpp"
#include "protocol/transfer.hpp"
#include "protocol/user_record.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

/// Every level, ranked lowest first (by minimum credit, then lid).
std::vector<level_record> list_levels(const txn& t);

std::optional<level_record> get_level(const txn& t, uint32_t lid);
void put_level(txn& t, const level_record& rec);
bool erase_level(txn& t, uint32_t lid);

/// Writes the origin's eight levels into a database that never had
/// levels; a database whose levels were edited keeps them.
void seed_levels(txn& t);

/// True when `a` ranks below `b`.
bool ranks_below(const level_record& a, const level_record& b);

/// One credit per MiB uploaded.
uint64_t credit_of(const user_figures& f);

/// The highest level whose minimum credit, upload and download `f`
/// reaches, or `start` (the user's starting lid) when that ranks higher.
/// A lid of 0 when no level fits (all levels deleted).
level_record level_for(const std::vector<level_record>& levels,
                       const user_figures& f, uint32_t start);

user_figures get_figures(const txn& t, user_id uid);
void put_figures(txn& t, user_id uid, const user_figures& f);

/// The level `user` holds now.
level_record level_of(const txn& t, const user_record& user);

/// `raw_hash`: 20 bytes.
torrent_counter get_counter(const txn& t, user_id uid,
                            const std::string& raw_hash);
void put_counter(txn& t, user_id uid, const std::string& raw_hash,
                 const torrent_counter& c);

} // namespace skyhaul::storage
