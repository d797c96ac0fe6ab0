#pragma once

// The CLI's calls to skyhauld through libcurl: a request with its answer,
// a download into a file, and the event stream on a thread of its own.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "app/cli/config.hpp"
#include "app/cli/sse.hpp"

namespace skyhaul::cli {

/// An answer; `status` 0 and `error` set when there was none.
struct http_reply {
  long status = 0;
  std::string body;
  std::string error;
};

/// `method` on `ep.api + path` with the api key, `body` as JSON when not
/// empty.
http_reply call(const endpoint& ep, const std::string& method,
                const std::string& path, const std::string& body = {});

/// GETs `ep.api + path` into the file at `out`; the reply's body is kept
/// only when it is not a 2xx (the error text).
http_reply download(const endpoint& ep, const std::string& path,
                    const std::string& out);

/// `GET /events` read on a thread of its own, reconnecting with
/// `Last-Event-ID` when the connection drops (a restarting daemon), so no
/// event is missed or seen twice.
class event_feed {
public:
  /// Starts reading `ep.api + "/events" + query`.
  event_feed(endpoint ep, std::string query);
  ~event_feed();

  event_feed(const event_feed&) = delete;
  event_feed& operator=(const event_feed&) = delete;

  /// Waits for the first subscription to be in effect (every later event
  /// reaches the feed); false when it failed (see `error`) or timed out.
  bool wait_subscribed(int timeout_ms);

  /// The next event, waiting at most `timeout_ms`; false when none came
  /// or the feed gave up (see `error`).
  bool next(sse_event& out, int timeout_ms);

  /// Why the feed stopped, when it did.
  std::string error() const;

  void stop();

private:
  void run();

  endpoint ep_;
  std::string query_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<sse_event> queue_;
  bool subscribed_ = false;
  bool failed_ = false;
  std::string error_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace skyhaul::cli
