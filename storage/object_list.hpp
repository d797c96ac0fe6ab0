#pragma once
// One page of a bucket listing (S3's ListObjects and ListObjectsV2): a range
// scan of the objects table with prefix, delimiter and paging. Pure
// functions over a read transaction.

#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skyhaul::storage {

/// Most entries one page may hold (S3's cap of `max-keys`).
constexpr size_t max_list_keys = 1000;

/// What one page of a listing asks for.
struct list_request {
  /// Only keys that start with this.
  std::string prefix;
  /// When not empty, keys holding it after `prefix` roll up into one common
  /// prefix (up to and including the delimiter).
  std::string delimiter;
  /// Only entries (keys and common prefixes) that sort after this.
  std::string start_after;
  /// Most entries (keys plus common prefixes) on the page.
  size_t max_keys = max_list_keys;
};

/// A key of the page with its entry.
struct listed_object {
  std::string key;
  object_entry entry;
};

/// One page, in key order.
struct list_page {
  std::vector<listed_object> objects;
  std::vector<std::string> common_prefixes;
  /// True when more entries follow this page.
  bool truncated = false;
  /// The last entry of the page (a key or a common prefix): the next page
  /// starts after it. Empty for an empty page.
  std::string last;
};

/// Lists `bucket` as `q` asks. Each common prefix counts as one entry and
/// is returned once, on the page where its first key falls.
list_page list_objects(const txn& t, std::string_view bucket,
                       const list_request& q);

/// An opaque continuation token for a page that ended at `last`.
std::string encode_continuation_token(std::string_view last);

/// The `last` inside a token made by `encode_continuation_token`, or
/// nullopt for a malformed token.
std::optional<std::string> decode_continuation_token(std::string_view token);

} // namespace skyhaul::storage
