#include "tests/support/s3rver.hpp"

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace skyhaul::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

s3rver::s3rver(int port) : s3rver(port, {}, {}) {
}

s3rver::s3rver(int port, const std::string& cert, const std::string& key)
    : tls_(!cert.empty()) {
  dir_ = fs::temp_directory_path()
         / ("skyhaul-s3rver-" + std::to_string(::getpid()) + "-"
            + std::to_string(++count_));
  fs::create_directories(dir_);
  // Its log goes to a file: a pipe nobody drains would stall it.
  auto log = (dir_ / "log").string();
  pid_ = ::fork();
  if (pid_ == 0) {
    auto fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    auto data = (dir_ / "data").string();
    auto port_text = std::to_string(port);
    std::vector<const char*> argv = {SKYHAUL_S3RVER, "-d", data.c_str(),
                                     "-a", "127.0.0.1", "-p",
                                     port_text.c_str(), "--configure-bucket",
                                     "mirror"};
    if (tls_)
      argv.insert(argv.end(), {"--cert", cert.c_str(), "--key", key.c_str()});
    argv.push_back(nullptr);
    ::execv(SKYHAUL_S3RVER, const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  std::string text;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (text.find('\n', text.find("listening on")) == std::string::npos
         && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    std::ifstream in{log};
    text.assign(std::istreambuf_iterator<char>{in}, {});
  }
  auto at = text.find("127.0.0.1:");
  if (at == std::string::npos)
    throw std::runtime_error("s3rver did not start: " + text);
  port_ = std::stoi(text.substr(at + 10));
}

s3rver::~s3rver() {
  ::kill(pid_, SIGTERM);
  int status;
  ::waitpid(pid_, &status, 0);
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string s3rver::object(const std::string& bucket,
                           const std::string& key) const {
  std::ifstream in{dir_ / "data" / bucket / (key + "._S3rver_object"),
                   std::ios::binary};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

} // namespace skyhaul::test

namespace skyhaul::test {

size_t s3rver::open_uploads(const std::string& bucket) const {
  std::error_code ec;
  size_t n = 0;
  for (fs::directory_iterator
           it{dir_ / "data" / bucket / "._S3rver_uploads", ec},
       end;
       !ec && it != end; it.increment(ec))
    ++n;
  return n;
}

size_t s3rver::log_count(const std::string& what) const {
  auto text = log();
  size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos;
       p = text.find(what, p + what.size()))
    ++n;
  return n;
}

std::string s3rver::log() const {
  std::ifstream in{dir_ / "log", std::ios::binary};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

} // namespace skyhaul::test
