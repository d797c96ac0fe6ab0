#pragma once

// The community's posts, their threads and their metainfo in LMDB. Posts
// are keyed newest first, so browsing is a forward scan.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/metainfo.hpp"
#include "protocol/post.hpp"
#include "protocol/thread.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

std::optional<post_record> get_post(const txn& t, uint64_t pid);

/// Inserts or replaces a post and the index of its info-hash.
void put_post(txn& t, const post_record& rec);

/// Removes a post with its threads, its metainfo and its info-hash index.
void erase_post(txn& t, const post_record& rec);

/// The post that carries `info_hash` (lower-case hex).
std::optional<uint64_t> find_post_by_hash(const txn& t,
                                          const std::string& info_hash);

/// Visits the posts newest first while `fn` returns true.
void scan_posts(const txn& t,
                const std::function<bool(const post_record&)>& fn);

void put_thread(txn& t, const thread_record& rec);

/// Up to `limit` threads of post `pid` after skipping `offset`, oldest
/// first.
std::vector<thread_record> thread_page(const txn& t, uint64_t pid,
                                       uint64_t offset, uint32_t limit);

std::optional<metainfo_record> get_metainfo(const txn& t, uint64_t pid);
void put_metainfo(txn& t, const metainfo_record& rec);

/// Reserves the next id of a community sequence ("post", "thread",
/// "level").
uint64_t next_community_id(txn& t, const std::string& sequence);

} // namespace skyhaul::storage
