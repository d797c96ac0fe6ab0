#pragma once
// Buckets: who owns them, their ACL, when they were made. Objects live in
// storage/object_table; a bucket goes only when it holds none.

#include "protocol/acl.hpp"
#include "protocol/bucket.hpp"
#include "protocol/ids.hpp"
#include "storage/lmdb_env.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skyhaul::storage {

struct bucket_info {
  std::string name;
  user_id owner = 0;
  acl_spec acl;
  int64_t created_ms = 0;
};

/// Creates `name` for `owner` unless it exists.
bucket_created create_bucket(txn& t, std::string_view name, user_id owner,
                             const acl_spec& acl, int64_t now_ms);

/// Reads a bucket.
std::optional<bucket_info> get_bucket(const txn& t, std::string_view name);

/// True when the bucket holds no object.
bool bucket_empty(const txn& t, std::string_view name);

/// Removes an empty bucket; false when it does not exist or holds objects.
bool delete_bucket(txn& t, std::string_view name);

/// Replaces the ACL of an existing bucket.
void put_bucket_acl(txn& t, std::string_view name, const acl_spec& acl);

/// The buckets of `owner` in name order (every bucket for user 0).
std::vector<bucket_info> list_buckets(const txn& t, user_id owner);

} // namespace skyhaul::storage
