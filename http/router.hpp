#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace skyhaul::http {

/// A table of routes: one face of a listener. Patterns are paths whose `:name` segments capture a
/// segment into `request::params` and whose final `*name` captures the
/// rest of the path.
class router {
public:
  using handler = std::function<void(request&, responder)>;

  void add(std::string method, std::string pattern, handler fn);

  /// Lets requests of `method` on exactly `path` carry bodies up to
  /// `limit` bytes instead of the listener's limit (uploads).
  void allow_body(std::string method, std::string path, uint64_t limit);

  /// The body limit of a request, `fallback` unless `allow_body` named it.
  uint64_t body_limit(const std::string& method, const std::string& path,
                      uint64_t fallback) const;

  /// The largest limit of any route, at least `fallback`.
  uint64_t largest_body_limit(uint64_t fallback) const;

  /// Dispatches `req`; answers 404 for an unknown path and 405 for a known
  /// path with another method, rendered by `error`. A handler that throws
  /// gets a 500 instead of taking an asio thread down.
  void dispatch(request& req, responder respond) const;

  /// Renders errors in the face's own shape: the router's own (404, 405)
  /// and the transport's (400 malformed, 413 too large, 431), so that a
  /// face is a router and nothing else.
  std::function<reply(const request& req, unsigned status,
                      const std::string& message)>
    error;

private:
  struct route {
    std::string method;
    std::vector<std::string> segments;
    handler fn;
  };

  static bool match(const route& r, const std::vector<std::string>& parts,
                    std::map<std::string, std::string>& params);

  std::vector<route> routes_;
  std::map<std::pair<std::string, std::string>, uint64_t> body_limits_;
};

/// Splits a path on '/', dropping the leading empty segment.
std::vector<std::string> split_path(const std::string& path);

} // namespace skyhaul::http
