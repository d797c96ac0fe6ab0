#include "actors/fd_budget.hpp"

#include "actors/net_policy.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <sys/resource.h>

namespace skyhaul {

size_t free_descriptors() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return 0;
  size_t open = 0;
  if (auto* d = ::opendir("/proc/self/fd")) {
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.')
        ++open;
    ::closedir(d);
    if (open > 0)
      --open; // the directory's own descriptor
  }
  auto soft = lim.rlim_cur == RLIM_INFINITY ? SIZE_MAX
                                            : static_cast<size_t>(lim.rlim_cur);
  return soft > open ? soft - open : 0;
}

bool descriptors_exhausted(int err) {
  return err == EMFILE || err == ENFILE;
}

bool descriptors_exhausted(const std::string& write_error) {
  return !write_error.empty()
         && (write_error == std::strerror(EMFILE)
             || write_error == std::strerror(ENFILE));
}

bool ends_in_descriptors_exhausted(const std::string& msg) {
  auto ends_in = [&](const char* tail) {
    auto n = std::strlen(tail);
    return msg.size() >= n && msg.compare(msg.size() - n, n, tail) == 0;
  };
  return ends_in(std::strerror(EMFILE)) || ends_in(std::strerror(ENFILE));
}

curl_socket_t open_watched_socket(const curl_sockaddr& addr,
                                  const base::net_policy& policy,
                                  std::string& refusal, bool& out_of_fds) {
  auto s = open_policy_socket(addr, policy, refusal);
  if (s == CURL_SOCKET_BAD && descriptors_exhausted(errno))
    out_of_fds = true;
  return s;
}

} // namespace skyhaul
