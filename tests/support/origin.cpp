#include "tests/support/origin.hpp"

#include <chrono>
#include <csignal>
#include <stdexcept>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/digest.hpp"
#include "tests/support/daemon.hpp"

namespace skyhaul::test {

std::string origin_content(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i)
    out[i] = static_cast<char>((i * 7 + i / 251) % 256);
  return out;
}

digests expected_digests(size_t size) {
  storage::digest_set ds;
  auto data = origin_content(size);
  ds.update(data.data(), data.size());
  auto r = ds.finish();
  return {r.md5, r.sha1, r.crc32};
}

origin::origin(const std::string& files_dir, uint16_t port) {
  int in[2];
  int out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::close(in[1]);
    ::close(out[0]);
    auto script = std::string{SKYHAUL_TEST_SUPPORT_DIR} + "/origin.py";
    auto port_arg = std::to_string(port);
    if (files_dir.empty())
      ::execlp("python3", "python3", script.c_str(), "--port",
               port_arg.c_str(), nullptr);
    else
      ::execlp("python3", "python3", script.c_str(), "--port",
               port_arg.c_str(), "--files", files_dir.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos) {
    pollfd p{out[0], POLLIN, 0};
    if (std::chrono::steady_clock::now() > deadline || ::poll(&p, 1, 200) < 0)
      break;
    char buf[128];
    if (p.revents & (POLLIN | POLLHUP)) {
      auto n = ::read(out[0], buf, sizeof(buf));
      if (n <= 0)
        break;
      line.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(out[0]);
  auto bound = json_field(line, "port");
  if (bound.empty())
    throw std::runtime_error("the origin did not start: " + line);
  port_ = static_cast<uint16_t>(std::stoi(bound));
}

origin::~origin() {
  if (stdin_fd_ >= 0)
    ::close(stdin_fd_);
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status;
    ::waitpid(pid_, &status, 0);
  }
}

std::string origin::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string origin::log() const {
  return http("GET", url("/_log")).body;
}

bool origin::saw_range_request() const {
  return log().find("\"range\": \"bytes=") != std::string::npos;
}

} // namespace skyhaul::test
