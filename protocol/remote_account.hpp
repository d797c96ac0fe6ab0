#pragma once
// A remote account: the user's own storage (FTP, FTPS, SFTP, WebDAV, S3)
// that a task's files are pushed to once it finished. The secret is stored
// sealed (base/secretbox.hpp) and never leaves the daemon.

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"

#include <cstdint>
#include <string>

namespace skyhaul {

struct remote_account {
  uint64_t id = 0;
  user_id owner = 0;
  /// ftp, ftps, sftp, webdav or s3.
  std::string type;
  /// A name or address; for webdav and s3 it may start with `http://` or
  /// `https://` (https when it names no scheme).
  std::string host;
  uint16_t port = 0;
  /// The login; for s3 the access key.
  std::string username;
  /// The password, SSH private key or S3 secret key, sealed.
  std::string secret_sealed;
  /// The folder pushes go under (ftp, ftps, sftp, webdav; a key prefix for
  /// s3).
  std::string path;
  /// s3 only.
  std::string bucket;
  std::string region;
  /// The SFTP server's host key, `SHA256:<base64>`, pinned on first use; a
  /// different key later fails the push.
  std::string host_key;
  /// Bytes pushed so far.
  uint64_t usage = 0;
  /// "active" while it may be used.
  std::string status = "active";
  int64_t created_ms = 0;
  /// True when the secret is an SSH private key rather than a password.
  bool secret_is_key = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, remote_account& x) {
  return f(x.id, x.owner, x.type, x.host, x.port, x.username,
           x.secret_sealed, x.path, x.bucket, x.region, x.host_key, x.usage,
           x.status, x.created_ms, x.secret_is_key);
}

template <>
struct record_format<remote_account> : format_version<1, 0> {
  static constexpr const char* table = "remote_accounts";
};

} // namespace skyhaul
