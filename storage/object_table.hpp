#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/object_commit.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

/// The LMDB value of an object: who owns it, its ACL and its file.
struct object_entry {
  user_id owner = 0;
  acl_spec acl;
  file_record file;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, object_entry& x) {
  return f(x.owner, x.acl, x.file);
}

} // namespace skyhaul::storage

namespace skyhaul {

template <>
struct record_format<storage::object_entry> : format_version<1, 0> {
  static constexpr const char* table = "objects";
};

} // namespace skyhaul

namespace skyhaul::storage {

/// True when `rule` keeps the existing object instead of storing a new file
/// with these digests and size. Empty digests and a negative size never
/// match, so `ignore-same-md5` without an MD5 never skips.
bool rule_keeps_existing(on_key_exist rule, const file_record& existing,
                         std::string_view md5, std::string_view sha1,
                         std::string_view crc32, int64_t size);

/// Reads bucket/key.
std::optional<object_entry> get_object(const txn& t, std::string_view bucket,
                                       std::string_view key);

/// Applies an `object_commit`: checks the rule, links the blob and counts
/// its reference. Blobs that lost their last reference are appended to
/// `orphans` (their files go after the commit).
object_commit_result commit_object(txn& t, const object_commit& c,
                                   std::vector<std::string>& orphans);

/// Removes bucket/key; false when absent.
bool erase_object(txn& t, std::string_view bucket, std::string_view key,
                  std::vector<std::string>& orphans);

/// Reference count of a blob (0 when unknown).
uint64_t blob_refs(const txn& t, std::string_view blob);

/// Owner of a bucket, if it exists.
std::optional<user_id> bucket_owner(const txn& t, std::string_view bucket);

/// Creates a bucket for `owner` when it does not exist yet.
void ensure_bucket(txn& t, std::string_view bucket, user_id owner);

} // namespace skyhaul::storage
