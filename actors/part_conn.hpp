#pragma once

// One connection of a segmented transfer: fetches one part with
// `Range: bytes=<next>-<end-1>` and `If-Range`, writes it where it belongs
// in the partial file and hands the bytes to the prefix hasher.

#include "actors/curl_loop.hpp"
#include "protocol/error.hpp"

#include <chrono>
#include <string>

namespace skyhaul {

class segmented_transfer;

struct part_conn : curl_job {
  part_conn() {
    quick_ticks = true;
  }

  segmented_transfer* owner = nullptr;
  uint32_t part = 0;
  /// Which of the transfer's sources (0: the origin, then the mirrors).
  size_t source = 0;
  CURL* easy = nullptr;
  long status = 0;
  std::string content_range;
  std::string etag;
  std::string last_modified;
  /// The body goes to the file (a 206 for the asked range).
  bool writing = false;
  /// The part has all its bytes; the response may go on (a split part).
  bool reached_end = false;
  /// The origin's file is not the one the parts were fetched from.
  bool changed = false;
  /// A mirror's size or validator is not the origin's.
  bool mismatch = false;
  bool paused = false;
  /// Where the next byte lands, while paused.
  uint64_t paused_at = 0;
  ec forced = ec::none;
  std::string forced_message;
  /// Its socket found no descriptor (EMFILE, ENFILE): the part waits and
  /// tries again, which is no failure of the part.
  bool out_of_fds = false;
  /// The network policy's refusal from this connection's socket callback.
  std::string refused;
  curl_slist* headers = nullptr;
  curl_slist* resolve = nullptr;
  /// Bytes this connection wrote; its speed over the last half second.
  uint64_t got = 0;
  uint64_t last_got = 0;
  uint64_t speed = 0;
  std::chrono::steady_clock::time_point last_tick
      = std::chrono::steady_clock::now();

  ~part_conn() override;

  const base::net_policy* policy() const override;
  bool prepare(CURL* e) override;
  void finished(CURL*, CURLcode code) override;
  void tick(std::chrono::steady_clock::time_point now) override;

  /// The end of the headers of a final response; false aborts.
  bool on_headers();
  static size_t on_header(char* data, size_t size, size_t n, void* ud);
  static size_t on_body(char* data, size_t size, size_t n, void* ud);
  /// The loop's socket callback, noting a want of descriptors.
  static curl_socket_t on_open_socket(void* ud, curlsocktype,
                                      curl_sockaddr* addr);
};

} // namespace skyhaul
