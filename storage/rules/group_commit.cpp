#include "storage/rules/group_commit.hpp"

#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/no_space.hpp"
#include "storage/object_table.hpp"

namespace skyhaul::storage::rules {

namespace {

void undo_all(orphan_list& done) {
  for (auto i = done.undo.rbegin(); i != done.undo.rend(); ++i)
    (*i)();
  done.undo.clear();
}

} // namespace

void commit_batch(lmdb_env& db, const blob_store& blobs,
                  std::vector<batch_write>& batch) {
  orphan_list orphans;
  try {
    auto t = db.write();
    for (auto& w : batch) {
      auto child = t.nested();
      // A write's orphans count only when its changes join the batch.
      orphan_list mine;
      try {
        w.apply(child, mine);
        child.commit();
        orphans.insert(orphans.end(), mine.begin(), mine.end());
        orphans.undo.insert(orphans.undo.end(), mine.undo.begin(),
                            mine.undo.end());
      } catch (const refusal& e) {
        undo_all(mine);
        w.code = e.code;
        w.error = e.what();
      } catch (const std::exception& e) {
        undo_all(mine);
        // A full map or disk is the operator's to fix, not a bug: 507.
        w.code = storage_error_code(e.what());
        w.error = e.what();
      }
    }
    t.commit();
  } catch (const std::exception& e) {
    undo_all(orphans);
    for (auto& w : batch)
      if (w.code == ec::none) {
        w.code = storage_error_code(e.what());
        w.error = e.what();
      }
    return;
  }
  // A blob orphaned by one write may have been referenced again by a later
  // write of the same batch: only unreferenced blobs go.
  if (orphans.empty())
    return;
  auto t = db.read();
  for (auto& blob : orphans)
    if (blob_refs(t, blob) == 0) {
      blobs.remove_blob(blob);
      if (auto& gone = blobs.removed_hook())
        gone(blob);
    }
}

} // namespace skyhaul::storage::rules
