#pragma once

// A client of `GET /events` for the tests: libcurl on a thread of its own
// reads the stream and parses it (app/cli/sse), the test waits on what
// arrived with a bound.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/cli/sse.hpp"

namespace skyhaul::test {

class event_stream {
public:
  using events = std::vector<cli::sse_event>;

  /// Connects to `url` with `headers` (e.g. "Authorization: Bearer K").
  explicit event_stream(std::string url, std::vector<std::string> headers);
  /// Disconnects.
  ~event_stream();

  event_stream(const event_stream&) = delete;
  event_stream& operator=(const event_stream&) = delete;

  /// Waits until `pred` holds for everything received so far (comments
  /// included), at most `limit`; returns whether it held.
  bool wait(const std::function<bool(const events&)>& pred,
            std::chrono::milliseconds limit = std::chrono::seconds(20));

  /// Waits for the comment that says the subscription is in effect.
  bool wait_subscribed(std::chrono::milliseconds limit
                       = std::chrono::seconds(10));

  /// The events received so far, comments left out.
  events received() const;

  /// Everything received so far, comments included.
  events all() const;

  /// The status line's code and the headers (lower-case names, raw).
  long status() const;
  std::string headers() const;

  /// True once the server ended the stream (or the connection failed).
  bool ended() const;

  /// How the connection ended, in libcurl's words ("" while it is open).
  std::string end_reason() const;

  /// Disconnects now (idempotent).
  void close();

private:
  void run(std::string url, std::vector<std::string> headers);

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  cli::sse_reader reader_;
  events got_;
  std::string head_;
  long status_ = 0;
  bool ended_ = false;
  std::string end_reason_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace skyhaul::test
