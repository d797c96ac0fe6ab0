#pragma once

// A small file system for the full-disk tests: a tmpfs mounted over a
// folder (the daemon's data dir) for the scope of one test. Needs root (or
// CAP_SYS_ADMIN); `mounted` says whether it is there, `why_not` why not.

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <thread>

namespace skyhaul::test {

struct small_disk {
  std::string dir;
  bool mounted = false;
  std::string why_not;

  /// Mounts a tmpfs of `size` (`8m`) over `where`.
  small_disk(const std::string& where, const std::string& size) : dir(where) {
    auto opts = "size=" + size;
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0)
      mounted = true;
    else
      why_not = std::strerror(errno);
  }

  /// Unmounted lazily, so also while the daemon still holds files.
  ~small_disk() {
    if (mounted)
      ::umount2(dir.c_str(), MNT_DETACH);
  }

  small_disk(const small_disk&) = delete;
  small_disk& operator=(const small_disk&) = delete;

  /// Bytes an unprivileged writer may still use.
  uint64_t free_bytes() const {
    struct statvfs st {};
    ::statvfs(dir.c_str(), &st);
    return uint64_t{st.f_bavail} * st.f_frsize;
  }

  /// Waits (bounded) until more than `bytes` are free; false on timeout.
  bool wait_free(uint64_t bytes, std::chrono::milliseconds limit) const {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (free_bytes() <= bytes) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
};

} // namespace skyhaul::test
