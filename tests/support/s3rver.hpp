#pragma once

// s3rver (from npm, run locally): the S3-compatible server that replica
// and push tests upload to, on a free loopback port with bucket `mirror`.

#include <filesystem>
#include <string>

#include <sys/types.h>

namespace skyhaul::test {

class s3rver {
public:
  /// Starts it on `port` (0: a free one) and waits (bounded) until it
  /// listens.
  explicit s3rver(int port = 0);
  /// The same over TLS with `cert` and `key` (PEM files).
  s3rver(int port, const std::string& cert, const std::string& key);
  ~s3rver();
  s3rver(const s3rver&) = delete;
  s3rver& operator=(const s3rver&) = delete;

  int port() const {
    return port_;
  }

  std::string endpoint() const {
    return (tls_ ? "https" : "http") + std::string{"://127.0.0.1:"}
           + std::to_string(port_);
  }

  /// The bytes s3rver stored for bucket/key, or "" when it has none.
  std::string object(const std::string& bucket, const std::string& key) const;

  /// Multipart uploads of `bucket` begun and neither completed nor aborted
  /// (s3rver keeps one folder for each).
  size_t open_uploads(const std::string& bucket) const;

  /// What s3rver logged so far (a line per stored part, among others).
  std::string log() const;
  /// How often `what` occurs in the log.
  size_t log_count(const std::string& what) const;

private:
  static inline int count_ = 0;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool tls_ = false;
};

} // namespace skyhaul::test
