#include "app/fd_limit.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <sys/resource.h>

namespace skyhaul {

namespace {

std::string text(rlim_t v) {
  return v == RLIM_INFINITY ? std::string{"unlimited"} : std::to_string(v);
}

} // namespace

size_t raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    std::cerr << "skyhauld: open files: limit unknown: " << std::strerror(errno)
              << "\n";
    return 1024;
  }
  auto before = lim.rlim_cur;
  if (lim.rlim_cur != lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      std::cerr << "skyhauld: open files: soft limit " << text(before)
                << " kept (hard " << text(lim.rlim_max)
                << "): " << std::strerror(errno) << "\n";
      lim.rlim_cur = before;
    }
  }
  std::cerr << "skyhauld: open files: soft limit " << text(lim.rlim_cur)
            << " (was " << text(before) << "), hard limit "
            << text(lim.rlim_max) << "\n";
  return lim.rlim_cur == RLIM_INFINITY ? static_cast<size_t>(-1)
                                       : static_cast<size_t>(lim.rlim_cur);
}

} // namespace skyhaul
