#pragma once

// A download split over several connections of the curl loop: each part
// (actors/segment_plan.hpp) is fetched by its own easy handle with a ranged
// request, written where it belongs in the partial file, and hashed as the
// contiguous prefix grows (actors/prefix_hasher.hpp). The parts survive a
// restart in the control file (actors/segment_state.hpp).

#include "actors/curl_loop.hpp"
#include "actors/prefix_hasher.hpp"
#include "actors/segment_state.hpp"
#include "protocol/actors.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <vector>

namespace skyhaul {

class fetch_jobs;
struct part_conn;

/// A running fetch as fetch_jobs limits and stops it: one stream
/// (actors/fetch_job.cpp) or segmented.
struct fetch_entry {
  virtual ~fetch_entry() = default;
  /// The task's own limit in bytes/s; 0: none.
  virtual uint64_t task_rate_limit() const = 0;
  /// Caps the fetch at `bytes_per_s` over all its connections; 0: none.
  virtual void set_rate(uint64_t bytes_per_s) = 0;
};

/// One segmented download; loop thread only. fetch_jobs owns it.
class segmented_transfer : public fetch_entry {
public:
  /// `hasher` holds the digests of the prefix on disk already.
  segmented_transfer(fetch_jobs& jobs, curl_loop& loop, fetch_request req,
                     fetch_listener_actor who, const proxy_config* proxy,
                     segment_state state, std::unique_ptr<prefix_hasher> hasher,
                     uint64_t id);
  ~segmented_transfer() override;

  /// Opens the partial file and starts the connections; an error text when
  /// the file cannot be opened.
  std::string start();

  /// Ends every connection without a result and records the parts.
  void stop();

  uint64_t task_rate_limit() const override {
    return req_.rate_limit;
  }
  void set_rate(uint64_t bytes_per_s) override;

  uint64_t id() const {
    return id_;
  }
  const fetch_request& request() const {
    return req_;
  }
  const fetch_listener_actor& listener() const {
    return who_;
  }
  /// `start` failed for want of descriptors: the request waits.
  bool out_of_fds() const {
    return out_of_fds_;
  }

private:
  friend struct part_conn;

  // From the connections.
  void detach(part_conn* c);
  void conn_finished(part_conn& c, CURLcode code);
  void on_tick(std::chrono::steady_clock::time_point now);
  /// Whether a connection writing at `off` should wait for the hasher.
  bool should_wait(uint64_t off) const;

  void launch(uint32_t part);
  /// The next source for a connection: round robin over those not dropped.
  size_t pick_source();
  /// Stops using mirror `i`, with a note for the task's log.
  void drop_source(size_t i, const std::string& why);
  /// Starts connections while there are free slots and work.
  void fill();
  void retry_later(uint32_t part, uint32_t failures);
  void apply_rate();
  void send_progress();
  /// Records the parts on the control file's thread (data synced first).
  void checkpoint();
  /// Every part is on disk: the hasher catches up off the loop thread.
  void complete();
  void end_with(ec code, std::string msg, bool transient);
  /// The source changed under the parts: everything starts over.
  void restart();
  void drop_connections();

  fetch_jobs& jobs_;
  curl_loop& loop_;
  fetch_request req_;
  fetch_listener_actor who_;
  const proxy_config* proxy_;
  segment_state state_;
  std::unique_ptr<prefix_hasher> hasher_;
  uint64_t id_;
  int fd_ = -1;
  /// The partial file opened with O_DIRECT for the hasher's writes; -1
  /// where the file system has none (tmpfs).
  int direct_fd_ = -1;
  std::vector<part_conn*> conns_;
  /// Where parts come from: the origin (after redirects), then mirrors.
  struct source {
    std::string url;
    /// Failures in a row; a mirror goes after a few.
    uint32_t failures = 0;
    bool dropped = false;
  };
  std::vector<source> sources_;
  size_t next_source_ = 0;
  /// Notes for the next progress report.
  std::vector<std::string> notes_;
  /// Failures in a row, by part id.
  std::map<uint32_t, uint32_t> failures_;
  uint32_t retries_pending_ = 0;
  uint32_t max_conns_ = 1;
  /// Connections allowed now: one at first, all of `max_conns_` once the
  /// hasher has room to spare (see on_tick).
  uint32_t active_limit_ = 1;
  /// The hasher had all it may queue since the last look.
  bool hasher_busy_seen_ = false;
  /// Ticks since the last look.
  uint32_t ticks_seen_ = 0;
  std::chrono::steady_clock::time_point next_look_;
  uint64_t rate_ = 0;
  bool ended_ = false;
  bool out_of_fds_ = false;
  std::chrono::steady_clock::time_point last_report_;
  std::chrono::steady_clock::time_point last_checkpoint_;
  /// A checkpoint is queued: the next one waits for it.
  std::shared_ptr<std::atomic<bool>> checkpointing_;
};

} // namespace skyhaul
