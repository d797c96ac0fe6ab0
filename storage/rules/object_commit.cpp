#include "storage/rules/object_commit.hpp"

#include "storage/blob_store.hpp"
#include "storage/object_table.hpp"

namespace skyhaul::storage::rules {

object_commit_result store_object(txn& t, const blob_store& blobs,
                                  const object_commit& c,
                                  orphan_list& orphans) {
  if (!c.source_path.empty()) {
    auto err = blobs.adopt(c.source_path, c.file.blob, c.link_source);
    if (!err.empty())
      throw std::runtime_error(err);
  }
  return commit_object(t, c, orphans);
}

} // namespace skyhaul::storage::rules
