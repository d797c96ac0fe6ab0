#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocol/settings.hpp"

namespace skyhaul::http {

class router;

/// One listener: its name (a key of listen.json), its HOST:PORT and the
/// faces mounted on it.
struct listener_spec {
  std::string name;
  std::string address;
  std::shared_ptr<const router> faces;
};

/// The HTTP front-end: listeners on their own asio threads, each answering
/// with its router. Beast stays inside server.cpp; which faces a listener
/// has is the caller's wiring (see `standard_listeners`).
class server {
public:
  /// Threads and timeouts come from `cfg`, which need not outlive this.
  server(const settings& cfg, std::vector<listener_spec> listeners);
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds every listener (port 0: any free port) and starts the threads.
  /// Returns "host:port" per listener name. Throws std::runtime_error when
  /// a bind fails.
  std::map<std::string, std::string> start();

  /// Stops accepting, closes connections, joins the threads. Idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace skyhaul::http
