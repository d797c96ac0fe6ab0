#include "storage/rules/group_commit.hpp"

#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/no_space.hpp"
#include "storage/object_table.hpp"
#include "storage/rows.hpp"

namespace skyhaul::storage::rules {

namespace {

void undo_all(orphan_list& done) {
  for (auto i = done.undo.rbegin(); i != done.undo.rend(); ++i)
    (*i)();
  done.undo.clear();
  done.settle.clear();
}

/// After the commit: the undo steps are no longer needed, the settling
/// ones run.
void settle_all(orphan_list& done) {
  for (auto& f : done.settle)
    f();
  done.settle.clear();
  done.undo.clear();
}

/// Marks the batch's orphans doomed in its transaction: the mark is
/// durable with the commit that made them orphans.
void mark_doomed(txn& t, const orphan_list& orphans) {
  for (auto& blob : orphans)
    t.put(table::doomed_blobs, blob, count_row{0});
}

void join(orphan_list& into, orphan_list& from) {
  into.insert(into.end(), from.begin(), from.end());
  into.undo.insert(into.undo.end(), from.undo.begin(), from.undo.end());
  into.settle.insert(into.settle.end(), from.settle.begin(),
                     from.settle.end());
}

/// Marks every write still without an outcome as failed with `what`.
void fail_rest(std::vector<batch_write>& batch, const char* what) {
  for (auto& w : batch)
    if (w.code == ec::none) {
      w.code = storage_error_code(what);
      w.error = what;
    }
}

/// Records why write `w` failed alone.
void fail_one(batch_write& w, const std::exception& e) {
  if (auto* r = dynamic_cast<const refusal*>(&e)) {
    w.code = r->code;
  } else {
    // A full map or disk is the operator's to fix, not a bug: 507.
    w.code = storage_error_code(e.what());
  }
  w.error = e.what();
}

/// The common case: every write applied in the one transaction itself.
/// A nested transaction per write costs a copy of every page a write
/// touches, which is most of a small write's cost. When a write throws,
/// it fails alone: the transaction is dropped, the undo steps run, and
/// its index is returned for the slow path to run the rest. When the
/// commit fails, every write fails with it. Returns `batch.size()` when
/// the batch is done either way.
size_t commit_flat(lmdb_env& db, std::vector<batch_write>& batch,
                   orphan_list& orphans) {
  size_t i = batch.size();
  try {
    auto t = db.write();
    for (i = 0; i < batch.size(); ++i)
      batch[i].apply(t, orphans);
    i = batch.size();
    mark_doomed(t, orphans);
    t.commit();
    settle_all(orphans);
    return batch.size();
  } catch (const std::exception& e) {
    undo_all(orphans);
    orphans.clear();
    // Beginning or committing failed: not one write's fault.
    if (i == batch.size()) {
      fail_rest(batch, e.what());
    } else {
      fail_one(batch[i], e);
    }
    return i;
  }
}

/// Each write in a nested transaction of its own, so that one that throws
/// leaves the others in.
void commit_nested(lmdb_env& db, std::vector<batch_write>& batch,
                   orphan_list& orphans) {
  try {
    auto t = db.write();
    for (auto& w : batch) {
      // A write that already failed alone does not run again.
      if (w.code != ec::none)
        continue;
      auto child = t.nested();
      // A write's orphans count only when its changes join the batch.
      orphan_list mine;
      try {
        w.apply(child, mine);
        child.commit();
        join(orphans, mine);
      } catch (const std::exception& e) {
        undo_all(mine);
        fail_one(w, e);
      }
    }
    mark_doomed(t, orphans);
    t.commit();
    settle_all(orphans);
  } catch (const std::exception& e) {
    undo_all(orphans);
    orphans.clear();
    fail_rest(batch, e.what());
  }
}

} // namespace

std::vector<std::string> commit_rows(lmdb_env& db,
                                     std::vector<batch_write>& batch) {
  orphan_list orphans;
  if (commit_flat(db, batch, orphans) < batch.size())
    commit_nested(db, batch, orphans);
  return std::move(orphans);
}

size_t remove_orphans(lmdb_env& db, const blob_store& blobs,
                      const std::vector<std::string>& orphans) {
  // A blob orphaned by one write may have been referenced again by a later
  // write of the same batch: only unreferenced blobs go.
  if (orphans.empty())
    return 0;
  size_t removed = 0;
  {
    auto t = db.read();
    for (auto& blob : orphans)
      if (blob_refs(t, blob) == 0) {
        blobs.remove_blob(blob);
        if (auto& gone = blobs.removed_hook())
          gone(blob);
        ++removed;
      }
  }
  // The files are gone (or referenced again): the marks may go too. When
  // this fails (a full disk), the next start finds them and checks again.
  try {
    auto t = db.write();
    for (auto& blob : orphans)
      t.del(table::doomed_blobs, blob);
    t.commit();
  } catch (const std::exception&) {
  }
  return removed;
}

void commit_batch(lmdb_env& db, const blob_store& blobs,
                  std::vector<batch_write>& batch) {
  remove_orphans(db, blobs, commit_rows(db, batch));
}

size_t remove_doomed_blobs(lmdb_env& db, const blob_store& blobs) {
  std::vector<std::string> doomed;
  {
    auto t = db.read();
    t.scan(table::doomed_blobs, {},
           [&](std::string_view key, std::string_view) {
             doomed.emplace_back(key);
             return true;
           });
  }
  return remove_orphans(db, blobs, doomed);
}

size_t settle_adoptions(lmdb_env& db, const blob_store& blobs) {
  size_t removed = 0;
  auto marked = blobs.adopting();
  if (marked.empty())
    return 0;
  auto t = db.read();
  for (auto& blob : marked) {
    if (blob_refs(t, blob) == 0) {
      blobs.remove_blob(blob);
      ++removed;
    }
    // After the file: a crash between the two finds the mark again.
    blobs.clear_adopting(blob);
  }
  return removed;
}

} // namespace skyhaul::storage::rules
