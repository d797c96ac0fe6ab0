#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "protocol/ids.hpp"

namespace skyhaul::storage {

/// The files of a data directory: partial downloads and content-addressed
/// blobs, on one filesystem so that a finished download is a rename.
class blob_store {
public:
  explicit blob_store(std::string data_dir);

  /// Folder of a task's partial files: `<data>/partial/<tid>`.
  std::string partial_dir(task_seq seq) const;

  /// The single partial file of an HTTP task.
  std::string partial_file(task_seq seq) const;

  /// Path of a blob: `<data>/blobs/<aa>/<hex>`.
  std::string blob_path(const std::string& blob) const;

  /// Makes `path` durable and moves it to the blob `blob` (fsync of the
  /// file, rename, fsync of the folder). When the blob already exists the
  /// file is dropped instead: same content, same address. `link` keeps
  /// `path` and hard-links it instead of the rename (a torrent that seeds
  /// on reads the same inode). Blocking. Returns an error text, empty on
  /// success.
  ///
  /// A blob it makes is marked adopting (`<data>/adopting/<blob>`) before
  /// it appears: until the commit that references it, a crash would leave
  /// it without an object, and the mark lets the next start find it
  /// (`storage::rules::settle_adoptions`). The commit's caller clears the
  /// mark (`clear_adopting`). The mark is not synced: it outlives a
  /// killed process, not a lost power supply (then the blob stays, unused,
  /// as before).
  std::string adopt(const std::string& path, const std::string& blob,
                    bool link = false) const;

  /// Removes the adopting mark of `blob`, once a commit referenced it or
  /// its adoption was taken back. Blocking.
  void clear_adopting(const std::string& blob) const;

  /// The blobs marked adopting: made by `adopt` and, should a crash have
  /// come before the commit that referenced them, perhaps without an
  /// object. Blocking.
  std::vector<std::string> adopting() const;

  /// Removes a blob file (after its last reference went). Blocking.
  void remove_blob(const std::string& blob) const;

  /// Removes a task's partial folder, renamed to `<tid>` + `gone_suffix`
  /// first so that no late writer can leave a file in it. Blocking.
  void remove_partial(task_seq seq) const;

  /// Removes the partial folders a crash left halfway through
  /// `remove_partial` (named `<tid>` + `gone_suffix`). Blocking.
  void remove_halfway_partials() const;

  /// Ends the name of a partial folder being removed.
  static constexpr const char* gone_suffix = ".gone";

  const std::string& data_dir() const {
    return dir_;
  }

  /// Told of a blob whose file went with its last reference (after the
  /// commit, on the store's thread, by storage/rules/group_commit.cpp), so
  /// that what is kept beside it (archive listings, unpacked entries) goes
  /// too. It must not block: it hands the work to a worker.
  using removal_hook = std::function<void(const std::string& blob)>;

  /// Sets the hook; before the store starts, as nothing guards it.
  void on_removed(removal_hook hook) {
    removed_ = std::move(hook);
  }

  const removal_hook& removed_hook() const {
    return removed_;
  }

private:
  std::string adopting_mark(const std::string& blob) const;

  std::string dir_;
  removal_hook removed_;
};

/// Size of a file, or 0 when it does not exist.
uint64_t file_size_or_zero(const std::string& path);

} // namespace skyhaul::storage
