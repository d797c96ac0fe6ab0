#pragma once

#include <map>
#include <memory>
#include <string>

#include "http/services.hpp"

namespace skyhaul::http {

/// The HTTP front-end: the api, offline and s3 listeners on their own asio
/// threads. Beast stays inside server.cpp.
class server {
public:
  explicit server(services svc);
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds every listener (port 0: any free port) and starts the threads.
  /// Returns "host:port" per listener name ("api", "offline", "s3").
  /// Throws std::runtime_error when a bind fails.
  std::map<std::string, std::string> start();

  /// Stops accepting, closes connections, joins the threads. Idempotent.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace skyhaul::http
