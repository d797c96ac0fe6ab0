#pragma once

// The one curl multi loop of the process. Fetches, callbacks and replica
// uploads are jobs on it; each job sets up its own easy handle on top of
// one set of defaults (timeouts, the network policy, proxy, user agent,
// TLS verification), so no kind of transfer can forget one of them.

#include "actors/disk_pool.hpp"
#include "base/net_policy.hpp"
#include "protocol/settings.hpp"

#include <atomic>
#include <chrono>
#include <curl/curl.h>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct epoll_event;

namespace skyhaul {

class curl_loop;

/// The defaults every easy handle starts from.
struct curl_defaults {
  base::net_policy policy;
  std::string user_agent = "skyhaul/0.1";
  /// The proxy of every transfer; empty for direct connections. The
  /// environment's proxy variables are ignored: a proxy would hide the
  /// target from the network policy.
  std::string proxy;
  /// The configured proxies a job may choose (by id) instead.
  std::vector<proxy_config> proxies;
  long connect_timeout_s = 15;
  /// Abort a transfer slower than this many bytes/s for this long: the
  /// bound on every job, which may add a total timeout of its own.
  long low_speed_limit = 1;
  long low_speed_time_s = 60;
  /// A CA bundle TLS peers are verified against besides the system store
  /// (which curl keeps as its CA path): the origin's for `source_ca_file`,
  /// an https:// proxy's for `proxy_ca_file`. Empty: the system's only.
  std::string source_ca_file;
  std::string proxy_ca_file;
  /// The OpenSSH known-hosts file sftp:// sources' host keys must be in,
  /// and the private key they authenticate with (empty: the URL's
  /// password only). See actors/remote_source.hpp.
  std::string source_known_hosts;
  std::string source_ssh_key;

  /// The defaults that `cfg` asks for. Throws std::invalid_argument for a
  /// bad `--allow-network`.
  static curl_defaults from(const settings& cfg);
};

/// One transfer on the loop. The loop owns it from `add` until it ends;
/// every member function runs on the loop thread.
class curl_job {
public:
  virtual ~curl_job() = default;

  /// Sets the options of this transfer (URL, method, callbacks, timeouts)
  /// on `easy`, which has the defaults already. Returns false to give up;
  /// the job then gets `finished` with `CURLE_FAILED_INIT` and goes.
  virtual bool prepare(CURL* easy) = 0;

  /// The transfer ended; `easy` still answers `curl_easy_getinfo`. When
  /// the network policy refused an address, `refusal()` says which.
  virtual void finished(CURL* easy, CURLcode code) = 0;

  /// Called every quarter second, or every 10 ms for a job with
  /// `quick_ticks`.
  virtual void tick(std::chrono::steady_clock::time_point) {
  }

  /// Set before `add` by a job whose tick does work that cannot wait a
  /// quarter second (a segmented part: the hashing catch-up and the
  /// resumption of a paused connection). A walk over every job each 10 ms
  /// would cost thousands of trickling downloads more than their bytes.
  bool quick_ticks = false;

  /// A policy other than the loop's, e.g. one that allows everything;
  /// nullptr for the loop's.
  virtual const base::net_policy* policy() const {
    return nullptr;
  }

  /// Jobs of one group (a component) can be dropped together.
  const void* group = nullptr;

  /// Set when the network policy refused the address curl was about to
  /// connect to: the message for the user.
  const std::string& refusal() const {
    return refusal_;
  }

  /// curl's message for the last error (CURLOPT_ERRORBUFFER), or "".
  const char* error_text() const {
    return errbuf_;
  }

private:
  friend class curl_loop;
  std::string refusal_;
  char errbuf_[CURL_ERROR_SIZE] = {0};
  const base::net_policy* loop_policy_ = nullptr;
};

/// The curl multi loop. It runs on a thread of its own, which waits in
/// `epoll_wait` on the transfers' sockets, as curl's socket interface
/// (`curl_multi_socket_action`) asks: one ready socket costs the work of its
/// own transfer, not a walk over every transfer, so ten thousand trickling
/// downloads cost what their bytes cost. Other threads only queue commands
/// and wake it through an eventfd.
class curl_loop {
public:
  explicit curl_loop(curl_defaults defaults);
  ~curl_loop();

  curl_loop(const curl_loop&) = delete;
  curl_loop& operator=(const curl_loop&) = delete;

  /// Runs `fn` on the loop thread. Thread-safe. Returns false (and drops
  /// `fn`) once the loop has stopped.
  bool post(std::function<void(curl_loop&)> fn);

  /// Starts a job. Thread-safe.
  bool submit(std::unique_ptr<curl_job> job);

  /// Starts a job; loop thread only (from a job's `finished`, or a posted
  /// command).
  void add(std::unique_ptr<curl_job> job);

  /// Ends a job without `finished`; loop thread only.
  void remove(curl_job* job);

  /// Ends every job of `group` without `finished` and returns at once: a
  /// component calls it on its way out from a CAF worker thread, which
  /// must not wait for the loop. From the return on, the loop calls no
  /// `prepare`, `finished` or `tick` of a job of `group` queued or running
  /// before; it destroys them (and cleans their easy handles) on its own
  /// thread soon after. curl's data callbacks of a job may still run until
  /// then, so they touch only what the job owns. Jobs of `group` submitted
  /// after the call are not affected (an address may be reused). Thread-safe.
  void drop(const void* group);

  /// A step of `group`'s work that blocks on the disk (hashing a resumed
  /// file, reading and hashing an upload's part): `work` runs on one of
  /// the loop's disk threads, so the loop thread goes on moving bytes, and
  /// returns the continuation the loop thread then runs. A drop of `group`
  /// meanwhile discards the continuation, as it ends the group's jobs.
  /// Loop thread only. Work still queued when the loop stops is skipped.
  void off_loop(const void* group, std::function<std::function<void()>()> work);

  /// A step of `group`'s work that waits on another thread (the store's
  /// commit of what a job must not go on without): returns the function
  /// that ends the wait. It may be called from any thread, once, and runs
  /// its argument on the loop thread, unless `group` was dropped meanwhile
  /// (then the argument is discarded, as the group's jobs are ended) or
  /// the loop has stopped. Loop thread only.
  std::function<void(std::function<void()>)> await(const void* group);

  /// Ends the loop, joins the thread and destroys every job. Idempotent.
  void shutdown();

  const curl_defaults& defaults() const {
    return defaults_;
  }

  /// Jobs running (loop thread only).
  size_t size() const {
    return jobs_.size();
  }

private:
  void run();
  void run_commands();
  /// Wakes the loop thread from any thread.
  void wake();
  /// Hands curl the sockets `epoll_wait` found ready, then its timeout when
  /// it is due.
  void act(const ::epoll_event* events, int n);
  /// Ends the transfers curl reports done.
  void read_done();
  /// The jobs' `tick`s that are due.
  void tick_jobs();
  /// Runs `then` on the loop thread when step `id` of `group` still
  /// waits for it (not dropped): the end of `off_loop` and `await`.
  void resume(uint64_t id, const void* group, std::function<void()> then);
  /// How long the next `epoll_wait` may sleep, in ms.
  int wait_ms() const;
  static int on_socket(CURL* easy, curl_socket_t s, int what, void* self,
                       void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void apply_defaults(CURL* easy, curl_job& job);
  void erase(CURL* easy);
  /// False while a `drop` of the job's group waits to run (loop thread).
  bool live(const curl_job& job);
  bool live(const void* group);
  static curl_socket_t open_socket(void* ud, curlsocktype,
                                   curl_sockaddr* addr);

  curl_defaults defaults_;
  CURLM* multi_ = nullptr;
  int epoll_ = -1;
  int wake_ = -1;
  /// When curl wants `CURL_SOCKET_TIMEOUT` (its timer callback); none when
  /// it has no timeout pending (loop thread).
  std::optional<std::chrono::steady_clock::time_point> due_;
  /// The next tick of the jobs with `quick_ticks`, and of all jobs.
  std::chrono::steady_clock::time_point next_quick_ticks_{};
  std::chrono::steady_clock::time_point next_ticks_{};
  /// The jobs with `quick_ticks`, by easy handle (loop thread).
  std::unordered_map<CURL*, curl_job*> quick_;
  std::mutex mtx_;
  std::deque<std::function<void(curl_loop&)>> commands_;
  bool stopped_ = false;
  /// Groups with a `drop` queued and not run yet, with how many (under
  /// `mtx_`); `dropping_count_` lets the loop skip the lock when none.
  std::unordered_map<const void*, size_t> dropping_;
  std::atomic<size_t> dropping_count_{0};
  std::atomic<bool> quit_{false};
  std::unordered_map<CURL*, std::unique_ptr<curl_job>> jobs_;
  /// Steps of `off_loop` and `await` under way, by id, with their group
  /// (loop thread).
  std::unordered_map<uint64_t, const void*> steps_;
  uint64_t next_step_ = 0;
  /// Threads of `off_loop`; joined in `shutdown` before the jobs go.
  std::unique_ptr<disk_pool> disk_;
  std::thread thread_;
};

} // namespace skyhaul
