#pragma once

// TLS and SSH servers on loopback for the source and proxy tests, each in
// a folder of the test's: a throwaway certificate authority and the
// certificates it signs, FTPS (pyftpdlib, implicit or explicit TLS), an
// HTTPS proxy (tls_proxy.py) and an sshd whose sftp subsystem logs what it
// served. The servers stop at the end of their scope.

#include "tests/support/push_servers.hpp"

#include <cstdint>
#include <string>

namespace skyhaul::test {

/// A certificate authority in `dir`/`name`.crt (key beside it).
class test_ca {
public:
  test_ca(std::string dir, std::string name);

  /// The CA's certificate: what `--source-ca-file` names.
  const std::string& cert() const {
    return cert_;
  }

  /// A server certificate for `ip`, signed by this CA: `dir`/`name`.crt
  /// and `dir`/`name`.key.
  struct issued {
    std::string cert;
    std::string key;
  };
  issued issue(const std::string& name,
               const std::string& ip = "127.0.0.1") const;

private:
  std::string dir_;
  std::string name_;
  std::string cert_;
};

/// pyftpdlib with TLS on a free loopback port: explicit (AUTH TLS
/// required) or implicit (the handshake first); downloads throttled to
/// `write_limit` bytes/s when non-zero. Its log is `root`.log.
class ftps_server {
public:
  ftps_server(const std::string& root, const std::string& user,
              const std::string& password, const test_ca::issued& cert,
              bool implicit, uint64_t write_limit = 0);
  uint16_t port() const {
    return port_;
  }

private:
  child_process proc_;
  uint16_t port_ = 0;
};

/// tls_proxy.py on a free loopback port with `cert`.
class tls_proxy {
public:
  tls_proxy(const std::string& dir, const test_ca::issued& cert);
  uint16_t port() const {
    return port_;
  }
  /// "https://127.0.0.1:PORT".
  std::string url() const;
  /// One line per request it got ("CONNECT host:port", "GET http://…").
  std::string log() const {
    return proc_.log();
  }

private:
  child_process proc_;
  uint16_t port_ = 0;
};

/// OpenSSH's sshd for sftp sources on a free loopback port, in `dir`:
/// host key `dir`/host_key, the current user's login by the key
/// `dir`/user_key (both made here). Its sftp subsystem (sftp-server)
/// logs each file it closes with the bytes it read
/// (`close "PATH" bytes read N`).
class sftp_server {
public:
  explicit sftp_server(const std::string& dir);
  uint16_t port() const {
    return port_;
  }
  /// The private key a client logs in with.
  std::string user_key() const {
    return dir_ + "/user_key";
  }
  /// A known-hosts line for this server's host key.
  std::string known_hosts_line() const;
  /// sshd's log, then the sftp subsystem's.
  std::string log() const;

private:
  static std::string prepare(const std::string& dir, uint16_t port);
  std::string dir_;
  uint16_t port_ = 0;
  child_process proc_;
};

/// The name of the user the tests run as.
std::string current_user();

} // namespace skyhaul::test
