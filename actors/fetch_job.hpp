#pragma once

// The downloads of http_fetch as jobs on the curl loop: one job per task,
// found by the task's seq, sharing the global rate limit evenly.

#include "actors/curl_loop.hpp"
#include "actors/segmented_transfer.hpp"
#include "protocol/actors.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>

namespace skyhaul {

struct transfer;
class disk_pool;
class file_pool;
struct partial_file;

/// The policy of a request's connections: one that allows everything for
/// `allow_private`, else nullptr (the loop's).
const base::net_policy* fetch_policy(const fetch_request& req);

/// The options every connection of a download sets on its easy handle:
/// `url`, the request's redirect limit and timeouts, the buffer size, and
/// `on_header`/`on_body` called with `ud`.
void set_transfer_options(CURL* e, const fetch_request& req,
                          const std::string& url,
                          curl_write_callback on_header,
                          curl_write_callback on_body, void* ud);

/// Lets go of `jobs` on the loop thread: when it is the last reference the
/// jobs are destroyed on a thread of their own, since their destructor may
/// end the loop (which cannot join itself) or wait for their disk thread.
void release_off_loop(std::shared_ptr<fetch_jobs> jobs);

/// The fetch side of the curl loop. Other threads call `start`, `stop` and
/// `close`; they queue a command that runs on the loop thread, which alone
/// touches the transfers.
class fetch_jobs : public std::enable_shared_from_this<fetch_jobs> {
public:
  fetch_jobs(std::shared_ptr<curl_loop> loop, uint64_t global_rate_limit);

  /// Starts `req` (replacing a transfer of the same seq); `who` gets the
  /// progress and the result.
  void start(fetch_request req, fetch_listener_actor who);

  /// Ends the transfer of `seq` without a result.
  void stop(task_seq seq);

  /// Ends every transfer without waiting: the loop closes their files on
  /// its thread soon after, and no result is sent from the call on.
  void close();

  // For segmented transfers (actors/segmented_transfer.cpp), whose
  // management is in actors/segmented_start.cpp.

  /// The thread that writes control files, in order.
  disk_pool& state_pool() {
    return *pool_;
  }
  /// True once `close` began: nothing new starts.
  bool closed() const {
    return closed_;
  }
  /// Runs `fn` on one of the loop's disk threads (blocking file work);
  /// loop thread only. It reports back through `on_loop`.
  void off_loop(std::function<void(fetch_jobs&)> fn);
  /// Runs `fn` on the loop thread unless the jobs are closed.
  void on_loop(std::function<void(fetch_jobs&)> fn);
  /// Runs `fn` on the loop thread after `delay`.
  void after(std::chrono::milliseconds delay,
             std::function<void(fetch_jobs&, curl_loop&)> fn);
  /// The segmented transfer `id` of `seq` if it still runs (loop thread).
  segmented_transfer* segmented(task_seq seq, uint64_t id);
  /// Loop thread: transfer `id` of `seq` ended; `res` goes to its task.
  void segmented_ended(task_seq seq, uint64_t id, fetch_result res);
  /// Loop thread: the source of `seq` changed under its parts; the file
  /// and its control file are emptied, then the download starts over.
  void restart(task_seq seq, uint64_t id);

  /// Loop thread: `req` found no descriptor for its file or socket
  /// (EMFILE, ENFILE). It is not a failure: the request waits, with a
  /// log line, and starts again, oldest first, once descriptors beyond
  /// `fd_reserve` are free (actors/fd_budget.hpp). New requests wait
  /// behind it.
  void await_descriptors(fetch_request req, fetch_listener_actor who,
                         const std::string& why);
  /// Loop thread: a transfer ended; the waiting requests get a look soon.
  void descriptors_freed();
  /// Requests waiting for descriptors (loop thread).
  size_t waiting_for_descriptors() const {
    return fd_waiting_.size();
  }

private:
  friend struct transfer;

  // Loop thread only.
  /// Finds the request's proxy and, through one under a network policy,
  /// checks the origin first (see actors/proxy_route.hpp).
  void add(curl_loop& loop, fetch_request req, fetch_listener_actor who);
  /// Starts the transfer itself; a resume hashes its file off the loop
  /// first.
  void launch(curl_loop& loop, fetch_request req, fetch_listener_actor who,
              const proxy_config* proxy, std::string pins,
              bool check_redirects);
  /// Starts the transfer on `file`, whose descriptors and digests it
  /// takes.
  void run_transfer(curl_loop& loop, fetch_request req,
                    fetch_listener_actor who, const proxy_config* proxy,
                    std::string pins, bool check_redirects,
                    partial_file& file);
  /// Ends a request that never started a transfer.
  void fail(const fetch_request& req, const fetch_listener_actor& who, ec code,
            std::string msg, bool transient = false);
  void rebalance();
  /// Loop thread: a first response showed ranges on a large file; the
  /// parts are recorded, then fetched.
  void segment(fetch_request req, fetch_listener_actor who,
               const proxy_config* proxy, segment_state state);
  /// Loop thread: the control file of `req` exists; the prefix on disk is
  /// hashed off the loop, then the parts go on.
  void resume(fetch_request req, fetch_listener_actor who,
              const proxy_config* proxy);
  /// Loop thread: makes and starts the segmented transfer.
  void run_segmented(fetch_request req, fetch_listener_actor who,
                     const proxy_config* proxy, segment_state state,
                     std::unique_ptr<prefix_hasher> hasher);
  /// Waits for the segmented step of `seq` (control file, prefix hash)
  /// under a new generation; `still(seq, gen)` says if it counts.
  uint64_t expect(task_seq seq);
  bool still(task_seq seq, uint64_t gen);

  std::shared_ptr<curl_loop> loop_;
  uint64_t global_rate_limit_;
  std::unordered_map<task_seq, fetch_entry*> running_;
  std::unordered_map<task_seq, std::unique_ptr<segmented_transfer>> segmented_;
  /// Times a source changed under a download, by seq.
  std::unordered_map<task_seq, uint32_t> restarts_;
  std::shared_ptr<disk_pool> pool_;
  uint64_t next_id_ = 0;
  /// Origin checks under way, by seq: the generation whose answer counts.
  std::unordered_map<task_seq, uint64_t> checking_;
  uint64_t generation_ = 0;
  /// Set by `close`: answers of origin checks are dropped from then on.
  std::atomic<bool> closed_{false};
  /// Requests waiting for descriptors, by seq, and their order.
  struct fd_wait {
    fetch_request req;
    fetch_listener_actor who;
  };
  std::unordered_map<task_seq, fd_wait> fd_waiting_;
  std::deque<task_seq> fd_order_;
  /// A retry of the waiting requests is due (`after`).
  bool fd_retry_armed_ = false;
  /// Starts the waiting requests the free descriptors allow, oldest first.
  void retry_waiting();
  /// A new request would leave no more than `fd_reserve` descriptors
  /// free: it waits instead, so that the finishing steps (fsync, the
  /// store) and the API keep theirs. Counts /proc/self/fd at most every
  /// 100 ms and takes the request's sockets off the count in between.
  bool descriptors_short(const fetch_request& req);
  size_t fd_free_estimate_ = 0;
  std::chrono::steady_clock::time_point fd_counted_at_{};
  /// Retries the waiting requests soon, unless due already.
  void arm_fd_retry();
  /// Where the output files' descriptors come from.
  std::shared_ptr<file_pool> files_;
};

} // namespace skyhaul
