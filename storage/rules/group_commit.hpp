#pragma once

// Group commit as plain code: the writes that queued up while the last
// commit ran go into one durable transaction. The store actor only batches
// and replies; what a batch does is decided here.

#include "protocol/error.hpp"

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace skyhaul::storage {
class blob_store;
class lmdb_env;
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// A write a rule turns down (a bucket that holds objects, a task without a
/// callback): its nested transaction is dropped and its caller learns
/// `code` and `what()`; the rest of the batch goes on.
struct refusal : std::runtime_error {
  refusal(ec code, const std::string& msg)
      : std::runtime_error(msg), code(code) {
  }
  ec code;
};

/// Blobs whose last reference went inside a write; their files are
/// removed after the commit, unless a later write referenced them again.
struct orphan_list : std::vector<std::string> {
  /// What a write did to files ahead of its rows (a download moved into
  /// the blob store), taken back, newest first, when the rows do not
  /// become durable: no blob stays without its object.
  std::vector<std::function<void()>> undo;
  /// What follows once the rows are durable (a new blob's adopting mark
  /// goes: its object now references it).
  std::vector<std::function<void()>> settle;
};

/// One write of a batch and, once the batch ran, its outcome.
/// `apply` may run twice: when a later write of its batch throws, the
/// whole transaction is dropped, the undo steps run, and the others run
/// again write by write (the one that threw does not). So `apply` sets
/// what it reports (assigns, never appends), and its file steps have
/// their undo.
struct batch_write {
  using apply_fn = std::function<void(txn&, orphan_list&)>;
  batch_write(apply_fn f) : apply(std::move(f)) {
  }
  apply_fn apply;
  /// `ec::none` when the write is durable.
  ec code = ec::none;
  std::string error;
};

/// Applies every write in order in one transaction, commits (durably),
/// then removes the blob files no longer referenced. When a write throws,
/// it fails alone: the others run again, each in a nested transaction of
/// its own, so that a second failure sinks only its own write. Nesting
/// costs a copy of every page a write touches, so only a batch that needs
/// it pays it. When the commit itself fails, every write fails with it, no
/// file is removed and the writes' `undo` steps run; so do those of a write
/// that fails alone.
///
/// A blob the commit leaves without a reference is marked doomed in the
/// same transaction, and unmarked once its file is gone: a crash between
/// the commit and the removal leaves the mark, and the next start removes
/// the file (`remove_doomed_blobs`).
void commit_batch(lmdb_env& db, const blob_store& blobs,
                  std::vector<batch_write>& batch);

/// The two halves of `commit_batch`. `commit_rows` commits the batch and
/// returns the blobs it left without a reference, marked doomed;
/// `remove_orphans` removes those files still without one and the marks,
/// and returns how many files it removed (a mark it cannot remove, on a
/// full disk, is found again at the next start).
/// A crash between the two is what `remove_doomed_blobs` repairs.
std::vector<std::string> commit_rows(lmdb_env& db,
                                     std::vector<batch_write>& batch);
size_t remove_orphans(lmdb_env& db, const blob_store& blobs,
                      const std::vector<std::string>& orphans);

/// Removes the files of the blobs marked doomed that are still without a
/// reference, and the marks. Runs at start, before any write: a crash may
/// have come between a commit that dropped a blob's last reference and
/// the removal of its file. Returns how many files it removed.
size_t remove_doomed_blobs(lmdb_env& db, const blob_store& blobs);

/// Settles the blobs marked adopting (see `blob_store::adopt`): one that
/// a crash left before the commit that would have referenced it, and that
/// nothing references, is removed (its task, not finished, fetches its
/// bytes again or is gone); every mark goes. Runs at start, before any
/// write. Returns how many files it removed.
size_t settle_adoptions(lmdb_env& db, const blob_store& blobs);

} // namespace skyhaul::storage::rules
