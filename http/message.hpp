#pragma once

// What a face sees of an HTTP exchange. Plain data, no Beast: the server
// converts, so faces stay cheap to compile and easy to test.

#include "base/percent.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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

/// The writing end of a reply body that goes on for as long as the
/// connection does (Server-Sent Events). Shared by the producer and the
/// connection; every member may be called from any thread.
class stream_channel {
public:
  virtual ~stream_channel() = default;
  /// Queues `bytes` for the client. False once the connection is gone (or
  /// the client fell too far behind and was cut off): stop producing.
  virtual bool push(std::string bytes) = 0;
  /// Ends the body, and with it the connection, once the queue is sent.
  virtual void finish() = 0;
  /// Runs `fn` once when the connection is gone; at once when it is
  /// already. On whichever thread notices.
  virtual void on_close(std::function<void()> fn) = 0;
};

/// Starts producing a streamed body into the channel; called once, after
/// the reply's headers went out.
using stream_producer = std::function<void(std::shared_ptr<stream_channel>)>;

/// A response. A non-empty `file_path` sends `file_length` bytes of that
/// file from `file_offset` instead of `body`; a `stream` sends what its
/// producer pushes, without a length, and closes the connection after.
struct reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string file_path;
  uint64_t file_offset = 0;
  uint64_t file_length = 0;
  stream_producer stream;
};

/// Sends the reply of one request; callable from any thread, exactly once.
using responder = std::function<void(reply)>;

/// Splits a target into a decoded path and query map.
void parse_target(const std::string& target, std::string& path,
                  std::map<std::string, std::string>& query);

} // namespace skyhaul::http
