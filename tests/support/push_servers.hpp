#pragma once

// Real servers on loopback for the push tests, each started by the test
// in a folder of its own and stopped at the end of its scope: FTP and FTPS
// (pyftpdlib), SFTP (OpenSSH's sshd) and WebDAV (nginx's dav module).

#include "tests/support/swarm.hpp" // free_port

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

namespace skyhaul::test {

/// A child process whose stdout and stderr go to a log file; stopped with
/// SIGTERM and reaped when it goes.
class child_process {
public:
  child_process(const std::vector<std::string>& argv, std::string log_path);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Waits (bounded) until the log holds `what`; returns the log. Throws
  /// with the log when it never does or the process died.
  std::string await_log(const std::string& what,
                        std::chrono::seconds limit
                        = std::chrono::seconds(20)) const;

  std::string log() const;

private:
  pid_t pid_ = -1;
  std::string log_;
};

/// Runs `cmd` with /bin/sh; throws with its output when it fails.
void run(const std::string& cmd);

/// The bytes of a file, "" when it cannot be read.
std::string file_bytes(const std::string& path);

/// The command line of tests/support/ftp_server.py for one user whose
/// home is `root`; the servers below add their options to it.
std::vector<std::string> ftp_server_argv(const std::string& root,
                                         const std::string& user,
                                         const std::string& password);

/// pyftpdlib on a free port: one user whose home is `root`. With `cert`
/// and `key` it is an FTPS server that requires explicit TLS; with
/// `read_limit` uploads are throttled to that many bytes per second. It
/// listens on `host` (a loopback address).
class ftp_server {
public:
  ftp_server(const std::string& root, const std::string& user,
             const std::string& password, const std::string& cert = {},
             const std::string& key = {}, uint64_t read_limit = 0,
             const std::string& host = "127.0.0.1",
             uint64_t write_limit = 0);
  uint16_t port() const {
    return port_;
  }

private:
  child_process proc_;
  uint16_t port_ = 0;
};

/// OpenSSH's sshd on `port`, in `dir`, with host key `host_key` and the
/// current user's login by the keys in `authorized_keys` only.
class sshd_server {
public:
  sshd_server(const std::string& dir, uint16_t port,
              const std::string& host_key,
              const std::string& authorized_keys);

private:
  static std::string config(const std::string& dir, uint16_t port,
                            const std::string& host_key,
                            const std::string& authorized_keys);
  static inline int count_ = 0;
  child_process proc_;
};

/// nginx with the dav module on a free port, serving `dir`/www with basic
/// authentication of `user`. PUT needs the folder to exist (MKCOL first).
class dav_server {
public:
  dav_server(const std::string& dir, const std::string& user,
             const std::string& password);
  ~dav_server();
  uint16_t port() const {
    return port_;
  }
  /// The folder it serves.
  std::string root() const {
    return dir_ + "/www";
  }

private:
  std::string dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

} // namespace skyhaul::test
