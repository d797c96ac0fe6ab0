#pragma once

#include <string>
#include <vector>

#include "http/message.hpp"

namespace skyhaul::http {

/// A table of routes. Patterns are paths whose `:name` segments capture a
/// segment into `request::params` and whose final `*name` captures the
/// rest of the path.
class router {
public:
  using handler = std::function<void(request&, responder)>;

  void add(std::string method, std::string pattern, handler fn);

  /// Dispatches `req`; answers 404 for an unknown path and 405 for a known
  /// path with another method, rendered by `error`.
  void dispatch(request& req, responder respond) const;

  /// Renders router-level errors (404, 405) in the face's own shape.
  std::function<reply(unsigned status, const std::string& message)> error;

private:
  struct route {
    std::string method;
    std::vector<std::string> segments;
    handler fn;
  };

  static bool match(const route& r, const std::vector<std::string>& parts,
                    std::map<std::string, std::string>& params);

  std::vector<route> routes_;
};

/// Splits a path on '/', dropping the leading empty segment.
std::vector<std::string> split_path(const std::string& path);

} // namespace skyhaul::http
