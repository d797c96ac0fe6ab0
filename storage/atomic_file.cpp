#include "storage/atomic_file.hpp"

#include "storage/fsync_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace skyhaul::storage {

atomic_file::atomic_file(std::string path) : path_(std::move(path)) {
  // Unique per process and call: two writers of one path never share a
  // temporary, and the last rename wins whole.
  static std::atomic<uint64_t> counter{0};
  tmp_ = path_ + ".tmp." + std::to_string(::getpid()) + "."
         + std::to_string(counter++);
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0)
    error_ = "cannot create " + tmp_ + ": " + std::strerror(errno);
}

atomic_file::~atomic_file() {
  if (fd_ >= 0)
    ::close(fd_);
  if (!done_)
    ::unlink(tmp_.c_str());
}

bool atomic_file::write(const char* data, size_t size) {
  if (fd_ < 0 || !error_.empty())
    return false;
  while (size > 0) {
    auto n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      error_ = "cannot write " + tmp_ + ": " + std::strerror(errno);
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string atomic_file::commit() {
  if (!error_.empty())
    return error_;
  if (::fsync(fd_) != 0)
    return error_ = "fsync failed: " + tmp_ + ": " + std::strerror(errno);
  auto fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0)
    return error_ = "cannot write " + tmp_ + ": " + std::strerror(errno);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    return error_ = "cannot rename " + tmp_ + ": " + std::strerror(errno);
  done_ = true;
  auto folder = std::filesystem::path(path_).parent_path().string();
  return fsync_file(folder.empty() ? "." : folder);
}

} // namespace skyhaul::storage
