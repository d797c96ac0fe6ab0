#pragma once

// The process's operational counters, behind GET /metrics. Every figure is
// a relaxed atomic in a fixed slot, so the hooks in the hot paths (a curl
// write callback, every routed request, every store commit) cost one atomic
// add and never allocate or lock. Label sets are fixed when the process
// starts: enums for transfer kinds and delivery outcomes, and a bounded
// table of face names filled as the listeners mount their faces.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace skyhaul::base::metrics {

/// What moves bytes: the `kind` label.
enum class transfer : uint8_t {
  /// HTTP(S) downloads (the curl loop's fetch jobs).
  http,
  /// BitTorrent: downloads, and the bytes seeded back to the swarm.
  torrent,
  /// Callback POSTs.
  callback,
  /// Uploads over the S3 protocol: IDC replicas and pushes to S3 accounts.
  upload,
  /// Pushes to FTP, SFTP and WebDAV accounts.
  push,
};
constexpr size_t num_transfers = 5;

/// The `kind` label of `k`.
const char* to_string(transfer k);

/// How one callback attempt ended: the `outcome` label.
enum class delivery : uint8_t {
  /// The receiver answered 2xx.
  delivered,
  /// The attempt failed and the event is due again after a backoff.
  retry,
  /// The attempt failed and the event will not be tried again.
  failed,
};
constexpr size_t num_deliveries = 3;

/// The `outcome` label of `d`.
const char* to_string(delivery d);

/// A histogram with fixed upper bounds (seconds). Observations go to one
/// bucket each; the rendering adds them up into Prometheus' cumulative
/// buckets, so a scrape never sees a bucket below the one before it.
class histogram {
public:
  static constexpr size_t max_bounds = 16;

  /// `bounds` ascending, at most `max_bounds` of them.
  histogram(std::initializer_list<double> bounds);

  void observe(std::chrono::nanoseconds elapsed) noexcept;

  size_t num_bounds() const noexcept {
    return num_bounds_;
  }
  double bound(size_t i) const noexcept {
    return bounds_[i];
  }
  /// Observations in bucket `i` alone (not cumulative); `num_bounds()` is
  /// the bucket above the last bound.
  uint64_t bucket(size_t i) const noexcept {
    return counts_[i].load(std::memory_order_relaxed);
  }
  /// The sum of every observation, in seconds.
  double sum_seconds() const noexcept {
    return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  }

private:
  std::array<double, max_bounds> bounds_{};
  size_t num_bounds_ = 0;
  std::array<std::atomic<uint64_t>, max_bounds + 1> counts_{};
  std::atomic<uint64_t> sum_ns_{0};
};

/// Most faces the registry tells apart; further names count as "other".
constexpr size_t max_faces = 24;
/// Status codes 100..599 each have a slot.
constexpr unsigned first_code = 100;
constexpr unsigned last_code = 599;
constexpr size_t num_codes = last_code - first_code + 1;

/// The counters of one face.
struct face_figures {
  /// Requests by status code, `code - first_code`; other codes go to the
  /// slot of 500.
  std::array<std::atomic<uint64_t>, num_codes> by_code{};
  histogram duration;
  face_figures();
};

/// Every figure of the process.
class registry {
public:
  registry();

  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// The slot of a face's name; a name seen before gets its old slot. Call
  /// it when the face is mounted: a new name takes a lock once. Past
  /// `max_faces` names every new name shares the slot "other".
  size_t face_slot(std::string_view name);

  /// Names of the slots in use, in the order they were taken.
  size_t num_faces() const noexcept {
    return faces_used_.load(std::memory_order_acquire);
  }
  std::string_view face_name(size_t slot) const noexcept;
  const face_figures& face(size_t slot) const noexcept {
    return faces_[slot];
  }

  /// A request answered by face `slot` with `status` after `elapsed`.
  void http_request(size_t slot, unsigned status,
                    std::chrono::nanoseconds elapsed) noexcept;

  void add_download(transfer k, uint64_t bytes) noexcept {
    downloaded_[index(k)].fetch_add(bytes, std::memory_order_relaxed);
  }
  void add_upload(transfer k, uint64_t bytes) noexcept {
    uploaded_[index(k)].fetch_add(bytes, std::memory_order_relaxed);
  }
  /// Raises a byte counter to `total` when a source reports running totals
  /// (libtorrent's session counters) rather than increments; never lowers
  /// it, so the counter stays monotonic.
  void raise_download(transfer k, uint64_t total) noexcept;
  void raise_upload(transfer k, uint64_t total) noexcept;

  uint64_t downloaded(transfer k) const noexcept {
    return downloaded_[index(k)].load(std::memory_order_relaxed);
  }
  uint64_t uploaded(transfer k) const noexcept {
    return uploaded_[index(k)].load(std::memory_order_relaxed);
  }

  void transfer_started(transfer k) noexcept {
    active_[index(k)].fetch_add(1, std::memory_order_relaxed);
  }
  void transfer_ended(transfer k) noexcept {
    active_[index(k)].fetch_sub(1, std::memory_order_relaxed);
  }
  int64_t active(transfer k) const noexcept {
    return active_[index(k)].load(std::memory_order_relaxed);
  }

  void callback_attempt(delivery d) noexcept {
    deliveries_[static_cast<size_t>(d)].fetch_add(1,
                                                  std::memory_order_relaxed);
  }
  uint64_t deliveries(delivery d) const noexcept {
    return deliveries_[static_cast<size_t>(d)].load(
        std::memory_order_relaxed);
  }

  histogram& store_commit() noexcept {
    return store_commit_;
  }
  const histogram& store_commit() const noexcept {
    return store_commit_;
  }

private:
  static size_t index(transfer k) noexcept {
    return static_cast<size_t>(k);
  }

  std::array<std::atomic<uint64_t>, num_transfers> downloaded_{};
  std::array<std::atomic<uint64_t>, num_transfers> uploaded_{};
  std::array<std::atomic<int64_t>, num_transfers> active_{};
  std::array<std::atomic<uint64_t>, num_deliveries> deliveries_{};
  histogram store_commit_;
  /// Face names live in fixed buffers: a slot's name is written before
  /// `faces_used_` publishes it, and never changes after.
  std::array<std::array<char, 32>, max_faces> names_{};
  std::array<face_figures, max_faces> faces_;
  std::atomic<size_t> faces_used_{0};
};

/// The process-wide registry. One per process, as with any Prometheus
/// client's default registry: the hooks sit in code (curl callbacks,
/// libtorrent alerts) that carries no handle to pass one through.
registry& global();

/// Counts a transfer as active for as long as it lives: a member of the
/// job that carries the transfer, so no path out of the job can forget to
/// end it.
class active_transfer {
public:
  explicit active_transfer(transfer k) noexcept : kind_(k), live_(true) {
    global().transfer_started(k);
  }
  active_transfer() noexcept = default;
  active_transfer(active_transfer&& other) noexcept
      : kind_(other.kind_), live_(other.live_) {
    other.live_ = false;
  }
  active_transfer& operator=(active_transfer&& other) noexcept {
    if (this != &other) {
      end();
      kind_ = other.kind_;
      live_ = other.live_;
      other.live_ = false;
    }
    return *this;
  }
  ~active_transfer() {
    end();
  }

private:
  void end() noexcept {
    if (live_)
      global().transfer_ended(kind_);
    live_ = false;
  }
  transfer kind_ = transfer::http;
  bool live_ = false;
};

/// Runs `fn` and observes its time into `h`.
template <class F>
void timed(histogram& h, F&& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  h.observe(std::chrono::steady_clock::now() - start);
}

/// Observes the time from its construction to its end into a histogram.
class scoped_timer {
public:
  explicit scoped_timer(histogram& h) noexcept
      : h_(h), start_(std::chrono::steady_clock::now()) {
  }
  ~scoped_timer() {
    h_.observe(std::chrono::steady_clock::now() - start_);
  }
  scoped_timer(const scoped_timer&) = delete;
  scoped_timer& operator=(const scoped_timer&) = delete;

private:
  histogram& h_;
  std::chrono::steady_clock::time_point start_;
};

} // namespace skyhaul::base::metrics
