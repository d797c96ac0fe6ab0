#pragma once

#include <string>

namespace skyhaul::storage {

/// A file that appears whole or not at all: bytes go to a temporary beside
/// `path`; `commit` makes them durable and renames the temporary over
/// `path` (then makes the rename durable). Dropped without a commit, the
/// temporary goes. Blocking.
class atomic_file {
public:
  explicit atomic_file(std::string path);
  ~atomic_file();

  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;

  /// Empty when the temporary was created, else why not.
  const std::string& error() const {
    return error_;
  }

  /// Appends bytes; false (with `error`) when they could not be written.
  bool write(const char* data, size_t size);

  /// fsync, rename, fsync of the folder. Returns an error text, empty on
  /// success.
  std::string commit();

private:
  std::string path_;
  std::string tmp_;
  std::string error_;
  int fd_ = -1;
  bool done_ = false;
};

} // namespace skyhaul::storage
