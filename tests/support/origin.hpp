#pragma once

// Runs tests/support/origin.py as a child process for one test.

#include <cstdint>
#include <string>

#include <sys/types.h>

namespace skyhaul::test {

/// Digests of a file as the tests expect them (lower-case hex).
struct digests {
  std::string md5;
  std::string sha1;
  std::string crc32;
};

/// The origin's deterministic content of a file of `size` bytes.
std::string origin_content(size_t size);

/// Digests of `origin_content(size)`.
digests expected_digests(size_t size);

class origin {
public:
  /// Starts the origin; waits (bounded) for its port. With `files_dir`,
  /// `/files/<name>` serves the files of that folder. With `port`, it binds
  /// that port or throws saying it is taken.
  explicit origin(const std::string& files_dir = {}, uint16_t port = 0);
  /// Closes its stdin and reaps it.
  ~origin();

  origin(const origin&) = delete;
  origin& operator=(const origin&) = delete;

  uint16_t port() const {
    return port_;
  }

  /// `http://127.0.0.1:<port><path>`.
  std::string url(const std::string& path) const;

  /// The origin's request log (a JSON list).
  std::string log() const;

  /// True when some request carried a `Range` header.
  bool saw_range_request() const;

private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  uint16_t port_ = 0;
};

} // namespace skyhaul::test
