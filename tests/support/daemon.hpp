#pragma once

// Starts the real skyhauld for integration tests: a temporary data dir,
// port 0 everywhere, --allow-private-networks (the origin is on loopback).

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace skyhaul::test {

/// An HTTP response as the tests see it.
struct response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers; // lower-case names
};

/// A blocking HTTP call through libcurl (loopback only).
response http(const std::string& method, const std::string& url,
              const std::string& body = {},
              const std::vector<std::string>& headers = {});

/// Reads a JSON string or number field of a flat JSON object; empty when
/// absent. `path` may name a nested field with dots, e.g. "detail.state",
/// and an array element by its index, e.g. "detail.0.tid".
std::string json_field(const std::string& json, const std::string& path);

/// Credentials of a user as printed by `skyhauld user add`.
struct user {
  std::string id;
  std::string name;
  std::string api_key;
  std::string access_key;
  std::string secret_key;
  /// The community face's `credential` header and the tracker passkey.
  std::string credential;
  std::string passkey;
  std::string email;
};

class server_process {
public:
  /// Creates a fresh data dir; `extra` are more command line arguments.
  explicit server_process(std::vector<std::string> extra = {});
  ~server_process();

  /// Starts skyhauld and waits (bounded) until listen.json appears.
  void start();

  /// Sets `name=value` in the environment of the daemons started from now
  /// on (e.g. `LD_PRELOAD` of a fault injection library).
  void set_env(const std::string& name, const std::string& value) {
    env_[name] = value;
  }

  /// Replaces the extra command line arguments of the daemons started from
  /// now on (e.g. a larger --map-size for the same data dir).
  void set_args(std::vector<std::string> extra) {
    extra_ = std::move(extra);
  }

  /// The daemon still runs; false once it exited on its own (then `stop`
  /// returns how it exited).
  bool running();

  /// Sends `sig` and waits for the exit; returns the exit status (or
  /// 128 + signal).
  int stop(int sig);

  /// `kill -9`.
  void crash() {
    stop(9);
  }

  /// Runs `skyhauld user add NAME [FLAGS]` against the data dir, with
  /// `stdin_text` on its stdin (for `--password-stdin`).
  user add_user(const std::string& name, const std::string& flags = {},
                const std::string& stdin_text = {});

  /// Runs `skyhauld user ARGS` against the data dir; its stdout.
  std::string user_command(const std::string& args,
                           const std::string& stdin_text = {});

  /// The admin from admin.json.
  const user& admin() const {
    return admin_;
  }

  /// `http://127.0.0.1:PORT` of a listener ("api", "offline", "s3").
  std::string url(const std::string& listener = "api") const;

  /// An API call with `Authorization: Bearer <key>`.
  response api(const std::string& method, const std::string& path,
               const std::string& body = {},
               const std::string& key = {}) const;

  /// Polls GET /task/tid/<tid>/status until `pred(body)` holds; returns the
  /// last body. Bounded by `limit`.
  template <class Pred>
  std::string await_status(const std::string& tid, Pred pred,
                           std::chrono::seconds limit
                           = std::chrono::seconds(30),
                           const std::string& key = {}) const;

  const std::string& data_dir() const {
    return dir_;
  }

private:
  std::string dir_;
  std::vector<std::string> extra_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = -1;
  int exit_status_ = -1; ///< of a daemon that exited on its own
  std::map<std::string, std::string> listen_;
  user admin_;
};

user parse_user(const std::string& json);

template <class Pred>
std::string server_process::await_status(const std::string& tid, Pred pred,
                                 std::chrono::seconds limit,
                                 const std::string& key) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::string body;
  for (;;) {
    body = api("GET", "/task/tid/" + tid + "/status", {}, key).body;
    if (pred(body) || std::chrono::steady_clock::now() > deadline)
      return body;
    struct timespec ts {0, 20 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
}

} // namespace skyhaul::test
