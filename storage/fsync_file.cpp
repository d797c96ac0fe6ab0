#include "storage/fsync_file.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace skyhaul::storage {

std::string fsync_file(const std::string& path, bool missing_ok) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (missing_ok && errno == ENOENT)
      return {};
    return "cannot open " + path + ": " + std::strerror(errno);
  }
  std::string err;
  if (::fsync(fd) != 0)
    err = "fsync failed: " + path + ": " + std::strerror(errno);
  ::close(fd);
  return err;
}

} // namespace skyhaul::storage
