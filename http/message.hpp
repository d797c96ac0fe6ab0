#pragma once

// What a face sees of an HTTP exchange. Plain data, no Beast: the server
// converts, so faces stay cheap to compile and easy to test.

#include "base/percent.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace skyhaul::http {

/// A parsed request. Header names are lower-case; query values are decoded.
struct request {
  std::string method;
  /// The decoded path, without the query string.
  std::string path;
  /// The raw target as sent (path and query), for signatures.
  std::string target;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;
  std::string body;
  /// The client's address as the connection sees it (no port); "" when
  /// unknown. Rate limits key on it.
  std::string peer;
  /// Filled by the router from the path pattern, e.g. {"tid", "..."}.
  std::map<std::string, std::string> params;

  /// A header value, or "" when absent.
  const std::string& header(const std::string& name) const;

  /// A query value, or "" when absent.
  const std::string& arg(const std::string& name) const;

  /// True when the query names `name`, even without a value.
  bool has_arg(const std::string& name) const {
    return query.count(name) > 0;
  }
};

/// A response. A non-empty `file_path` sends `file_length` bytes of that
/// file from `file_offset` instead of `body`.
struct reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string file_path;
  uint64_t file_offset = 0;
  uint64_t file_length = 0;
};

/// Sends the reply of one request; callable from any thread, exactly once.
using responder = std::function<void(reply)>;

/// Splits a target into a decoded path and query map.
void parse_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query);

} // namespace skyhaul::http
