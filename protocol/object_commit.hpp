#pragma once

#include <string>

#include "protocol/acl.hpp"
#include "protocol/file_record.hpp"
#include "protocol/ids.hpp"
#include "protocol/on_key_exist.hpp"

namespace skyhaul {

/// Links a blob (already in the blob store) to `bucket/key`, in one
/// transaction with the `OnKeyExist` check and the blob's reference count.
struct object_commit {
  user_id owner = 0;
  std::string bucket;
  /// The new object; `file.key` is the key, `file.blob` the content address.
  file_record file;
  on_key_exist rule = on_key_exist::override_;
  acl_spec acl;
  /// A finished, fsynced file to move into the blob store as `file.blob`
  /// before linking; empty when the blob is stored already.
  std::string source_path;
  /// Hard-link `source_path` into the blob store instead of moving it.
  bool link_source = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, object_commit& x) {
  return f(x.owner, x.bucket, x.file, x.rule, x.acl, x.source_path,
           x.link_source);
}

/// The outcome of an `object_commit`.
struct object_commit_result {
  /// The object now visible at the key: the new one, or the existing one
  /// when the rule skipped the store (`concrete == false`).
  file_record file;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        object_commit_result& x) {
  return f(x.file);
}

} // namespace skyhaul
