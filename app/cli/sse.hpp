#pragma once

// An incremental reader of a Server-Sent Events stream: bytes in as they
// arrive, whole events out. Used by the CLI's `watch` and `add --wait`, and
// by the tests of `GET /events`.

#include <string>
#include <string_view>
#include <vector>

namespace skyhaul::cli {

/// One dispatched event; `comment` is set for a comment block instead
/// (heartbeats), with the comment text in `data`.
struct sse_event {
  std::string id;
  std::string type;
  std::string data;
  bool comment = false;
};

class sse_reader {
public:
  /// Takes the next bytes; returns the events they completed.
  std::vector<sse_event> feed(std::string_view bytes);

  /// The id of the last event that carried one: what `Last-Event-ID`
  /// resumes from.
  const std::string& last_id() const {
    return last_id_;
  }

private:
  void line(std::string_view l, std::vector<sse_event>& out);

  std::string buf_;
  sse_event cur_;
  bool has_data_ = false;
  bool has_comment_ = false;
  std::string last_id_;
};

} // namespace skyhaul::cli
