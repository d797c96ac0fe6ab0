#pragma once

// Objects as transaction bodies: a downloaded file becomes a blob and an
// object under the `OnKeyExist` rule, and blobs are counted by reference.

#include "protocol/object_commit.hpp"
#include "storage/rules/group_commit.hpp"

namespace skyhaul::storage {
class blob_store;
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// Moves `c.source_path` (when set) into the blob store, then links the
/// blob to bucket/key under `c.rule` and counts its reference. The move
/// runs inside the batch, in order with the other writes, so it never races
/// with the removal of the same blob by another write. A rule that keeps
/// the existing object answers with it (`concrete` false) and leaves the
/// new blob orphaned unless something else references it.
object_commit_result store_object(txn& t, const blob_store& blobs,
                                  const object_commit& c,
                                  orphan_list& orphans);

} // namespace skyhaul::storage::rules
