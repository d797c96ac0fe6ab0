#include "storage/digest.hpp"

#include "base/hex.hpp"
#include "storage/crc32.hpp"

#include <atomic>
#include <condition_variable>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace skyhaul::storage {

namespace {

constexpr size_t chunk_size = 1 << 20;
/// Chunks in flight per set.
constexpr size_t max_pending_chunks = 16;

/// SHA-1 has instructions of its own here (x86's SHA extensions, as
/// OpenSSL uses them), at less than half MD5's cost: then it is computed
/// in the copy, while the bytes are in the cache, rather than on a worker
/// that reads every chunk from memory again (a verified 1 GiB download
/// took 3% longer so). Without them SHA-1 costs about what MD5 does, and
/// the feeding thread would become the limit: it keeps its worker.
/// SKYHAUL_SHA1_WORKER=1 in the environment keeps the worker anyway (the
/// tests take both ways on any CPU).
bool sha1_in_copy() {
  static const bool yes = [] {
    if (auto* env = std::getenv("SKYHAUL_SHA1_WORKER");
        env != nullptr && std::strcmp(env, "1") == 0)
      return false;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0
           && (b & (1u << 29)) != 0;
#else
    return false;
#endif
  }();
  return yes;
}

/// Jobs per chunk: MD5 and the write, and SHA-1 when it has its worker.
size_t jobs_per_chunk() {
  return sha1_in_copy() ? 2 : 3;
}

/// A set with `pending` jobs in flight may queue one more chunk.
bool room_for_a_chunk(size_t pending) {
  return pending + jobs_per_chunk() <= max_pending_chunks * jobs_per_chunk();
}

struct md_ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const EVP_MD* md;
  explicit md_ctx(const EVP_MD* m) : md(m) {
    if (ctx == nullptr || EVP_DigestInit_ex(ctx, md, nullptr) != 1)
      throw std::runtime_error("EVP_DigestInit_ex failed");
  }
  ~md_ctx() {
    EVP_MD_CTX_free(ctx);
  }
  void update(const void* p, size_t n) {
    EVP_DigestUpdate(ctx, p, n);
  }
  std::string finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, out, &len);
    EVP_DigestInit_ex(ctx, md, nullptr);
    return to_hex(out, len);
  }
  void reset() {
    EVP_DigestInit_ex(ctx, md, nullptr);
  }
};

/// A piece of the stream: hashed by both lanes and, when the set writes
/// to a file, written at `offset`. Page-aligned, so O_DIRECT can take it.
struct buffer {
  char* data;
  size_t size = 0;
  /// Bytes this piece takes before it is sent (the first piece after a
  /// resume ends on a chunk boundary, so later ones stay aligned).
  size_t limit = chunk_size;
  uint64_t offset = 0;
  bool write = false;
  /// Sent early by `flush` (a slow download): its pages go back to the
  /// system when it returns, so that a spare holds no memory.
  bool release_pages = false;

  // A mapping of its own rather than the heap: page-aligned with no
  // allocator headers or split-off remainders beside it, and only the
  // pages its bytes reach are ever resident.
  buffer()
    : data(static_cast<char*>(::mmap(nullptr, chunk_size,
                                     PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))) {
    if (data == MAP_FAILED)
      throw std::bad_alloc();
  }
  ~buffer() {
    ::munmap(data, chunk_size);
  }
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;
};

using chunk = std::shared_ptr<buffer>;

/// A worker thread running jobs in FIFO order; one per kind of digest, so
/// the chunks of one stream are hashed in order.
class lane {
public:
  /// `name` shows in top and perf (at most 15 characters).
  explicit lane(const char* name)
    : thread_([this, name] {
        pthread_setname_np(pthread_self(), name);
        run();
      }) {
  }

  ~lane() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

private:
  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> guard{mtx_};
        cv_.wait(guard, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty())
          return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;
};

lane& md5_lane() {
  static lane instance{"sky.md5"};
  return instance;
}

lane& sha1_lane() {
  static lane instance{"sky.sha1"};
  return instance;
}

lane& write_lane() {
  static lane instance{"sky.write"};
  return instance;
}

/// Writes all of `b` at its offset; false with errno set on failure.
bool write_all(int fd, const buffer& b) {
  size_t done = 0;
  while (done < b.size) {
    auto n = ::pwrite(fd, b.data + done, b.size - done,
                      static_cast<off_t>(b.offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

/// Writes `b` through `direct_fd` when it is `aligned` (whole pages skip
/// the page cache: no copy, no per-page bookkeeping, and little left for
/// the final fsync), else through `fd`, whose writeback starts now. A
/// failed write sets `err` and, with `cut`, cuts the file back to it.
bool write_owned(int fd, int direct_fd, const buffer& b, bool aligned,
                 bool cut, std::string& err) {
  bool direct = direct_fd >= 0 && aligned;
  bool ok = write_all(direct ? direct_fd : fd, b);
  if (!ok && direct && errno == EINVAL) {
    direct = false;
    ok = write_all(fd, b);
  }
  if (ok && !direct)
    ::sync_file_range(fd, static_cast<off64_t>(b.offset),
                      static_cast<off64_t>(b.size), SYNC_FILE_RANGE_WRITE);
  if (!ok) {
    err = std::strerror(errno);
    if (cut)
      ::ftruncate(fd, static_cast<off_t>(b.offset));
  }
  return ok;
}

/// As `write_owned`, with descriptors borrowed from `target` for this
/// write alone; the O_DIRECT one only for an aligned write. A descriptor
/// that cannot be had fails the write with nothing written.
bool write_borrowed(write_target& target, const buffer& b, bool aligned,
                    bool cut, std::string& err) {
  bool ok = false;
  bool tried = false;
  if (aligned) {
    int direct_fd = target.acquire(true);
    if (direct_fd >= 0) {
      tried = true;
      ok = write_all(direct_fd, b);
      int saved = errno;
      target.release(direct_fd);
      if (ok)
        return true;
      if (saved == EINVAL)
        tried = false; // no direct I/O for this write: buffered below
      errno = saved;
    } else if (errno != EINVAL) {
      err = std::strerror(errno);
      return false;
    }
  }
  if (tried)
    err = std::strerror(errno);
  int fd = target.acquire(false);
  if (fd < 0) {
    if (!tried)
      err = std::strerror(errno);
    return false;
  }
  if (!tried) {
    ok = write_all(fd, b);
    if (ok)
      ::sync_file_range(fd, static_cast<off64_t>(b.offset),
                        static_cast<off64_t>(b.size), SYNC_FILE_RANGE_WRITE);
    else
      err = std::strerror(errno);
  }
  if (!ok && cut)
    ::ftruncate(fd, static_cast<off_t>(b.offset));
  target.release(fd);
  return ok;
}

} // namespace

struct digest_set::impl {
  md_ctx md5{EVP_md5()};
  md_ctx sha1{EVP_sha1()};
  /// Computed by the feeder in `update`, in the pass that copies the bytes
  /// into the chunk: on a lane it read every chunk from memory once more.
  uLong crc = crc32(0L, Z_NULL, 0);
  chunk filling;
  std::mutex mtx;
  std::condition_variable cv;
  size_t pending = 0;
  /// Buffers whose chunk every lane is done with (guarded by `mtx`).
  /// Reusing them keeps their pages mapped: a fresh 1 MiB buffer per chunk
  /// cost a page fault per 4 KiB, a quarter of a million per GiB.
  std::vector<std::unique_ptr<buffer>> spare;
  /// Where the stream goes (see `write_to`); -1: nowhere.
  int fd = -1;
  int direct_fd = -1;
  /// Or where each write borrows its descriptor; nullptr: none.
  std::shared_ptr<write_target> target;
  /// File offset of the next byte fed.
  uint64_t next_offset = 0;
  /// The first write error (guarded by `mtx`).
  std::string write_error;
  /// A failed write cuts the file back (see `write_to`).
  bool cut_on_error = true;
  /// End of the last byte queued for writing, and of the last written.
  uint64_t queued_end = 0;
  std::atomic<uint64_t> written_end{0};

  impl() {
    // Touch the lanes first so they outlive every set (statics die in
    // reverse order of construction).
    md5_lane();
    if (!sha1_in_copy())
      sha1_lane();
    write_lane();
  }

  ~impl() {
    // Bytes fed to a writing set reach the file; the unsent buffer returns
    // to `spare` while both still exist.
    if (writes())
      submit();
    filling = nullptr;
    drain();
  }

  /// An empty buffer that goes back to `spare` when its last holder lets go.
  chunk take() {
    std::unique_ptr<buffer> buf;
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (!spare.empty()) {
        buf = std::move(spare.back());
        spare.pop_back();
      }
    }
    if (!buf)
      buf = std::make_unique<buffer>();
    buf->size = 0;
    buf->offset = next_offset;
    buf->write = writes();
    buf->limit = chunk_size - static_cast<size_t>(next_offset % chunk_size);
    return chunk(buf.release(), [this](buffer* p) {
      if (p->release_pages) {
        // The next chunk faults in fresh pages as its bytes come; this
        // one's would otherwise stay resident in the spare.
        auto used = (p->size + 4095) / 4096 * 4096;
        ::madvise(p->data, used, MADV_DONTNEED);
        p->release_pages = false;
      }
      std::lock_guard<std::mutex> guard{mtx};
      spare.emplace_back(p);
    });
  }

  bool writes() const {
    return fd >= 0 || target != nullptr;
  }

  void submit() {
    if (!filling || filling->size == 0)
      return;
    auto data = std::move(filling);
    filling = nullptr;
    if (data->write)
      queued_end = data->offset + data->size;
    {
      std::unique_lock<std::mutex> guard{mtx};
      cv.wait(guard, [&] { return room_for_a_chunk(pending); });
      pending += jobs_per_chunk();
    }
    // A worker per job, so the work spreads over the cores: MD5 alone on
    // one (it is the slowest and cannot be split), the file write on
    // another, SHA-1 (when not in the copy) on a third. Each job lets go
    // of the chunk before it counts itself done, so no buffer returns to
    // `spare` after `drain` saw nothing pending.
    md5_lane().post([this, data]() mutable {
      md5.update(data->data, data->size);
      data.reset();
      done();
    });
    if (!sha1_in_copy())
      sha1_lane().post([this, data]() mutable {
        sha1.update(data->data, data->size);
        data.reset();
        done();
      });
    write_lane().post([this, data = std::move(data), fd = fd,
                       direct_fd = direct_fd, target = target,
                       cut = cut_on_error]() mutable {
      auto& b = *data;
      std::string err;
      bool failed_before = false;
      {
        std::lock_guard<std::mutex> guard{mtx};
        failed_before = !write_error.empty();
      }
      // After a failed write nothing more lands, and the file is cut back
      // to the failed offset: it stays a prefix of the stream, never a
      // stream with a hole a resume would take for data.
      if (b.write && !failed_before) {
        // Whole aligned chunks skip the page cache: no copy, no per-page
        // bookkeeping, and little left for the final fsync.
        bool aligned = b.offset % 4096 == 0 && b.size % 4096 == 0;
        bool ok = target ? write_borrowed(*target, b, aligned, cut, err)
                         : write_owned(fd, direct_fd, b, aligned, cut, err);
        if (ok)
          written_end.store(b.offset + b.size);
      }
      data.reset();
      if (!err.empty()) {
        std::lock_guard<std::mutex> guard{mtx};
        if (write_error.empty())
          write_error = err;
      }
      done();
    });
  }

  void done() {
    std::lock_guard<std::mutex> guard{mtx};
    --pending;
    cv.notify_all();
  }

  void drain() {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait(guard, [this] { return pending == 0; });
  }

  /// Sends what is buffered, waits for every lane, and writes no more.
  void end_writes() {
    submit();
    drain();
    fd = direct_fd = -1;
    target = nullptr;
  }
};

digest_set::digest_set() : impl_(std::make_unique<impl>()) {
}

digest_set::~digest_set() = default;
digest_set::digest_set(digest_set&&) noexcept = default;
digest_set& digest_set::operator=(digest_set&&) noexcept = default;

void digest_set::update(const void* data, size_t size) {
  auto& d = *impl_;
  auto p = static_cast<const char*>(data);
  size_ += size;
  d.next_offset += size;
  while (size > 0) {
    if (!d.filling) {
      // take() places the chunk at next_offset; it starts `size` back.
      d.next_offset -= size;
      d.filling = d.take();
      d.next_offset += size;
    }
    auto& b = *d.filling;
    auto n = std::min(size, b.limit - b.size);
    d.crc = crc32_copy(static_cast<uint32_t>(d.crc), b.data + b.size, p, n);
    if (sha1_in_copy())
      d.sha1.update(b.data + b.size, n); // while the bytes are in the cache
    b.size += n;
    p += n;
    size -= n;
    if (b.size == b.limit)
      d.submit();
  }
}

void digest_set::write_to(int fd, int direct_fd, uint64_t offset,
                          bool cut_on_error) {
  auto& d = *impl_;
  // Bytes fed so far are hashed only: they are on disk already.
  d.submit();
  d.fd = fd;
  d.direct_fd = direct_fd;
  d.target = nullptr;
  d.next_offset = offset;
  d.cut_on_error = cut_on_error;
}

void digest_set::write_to(std::shared_ptr<write_target> target,
                          uint64_t offset, bool cut_on_error) {
  auto& d = *impl_;
  d.submit();
  d.fd = d.direct_fd = -1;
  d.target = std::move(target);
  d.next_offset = offset;
  d.cut_on_error = cut_on_error;
}

void digest_set::flush() {
  auto& d = *impl_;
  if (d.filling)
    d.filling->release_pages = true;
  d.submit();
}

size_t digest_set::buffered() const {
  auto& d = *impl_;
  return d.filling ? d.filling->size : 0;
}

std::pair<uint64_t, uint64_t> digest_set::unwritten() const {
  auto& d = *impl_;
  auto end = d.queued_end;
  if (d.filling && d.filling->write)
    end = d.filling->offset + d.filling->size;
  auto done = d.written_end.load();
  return done < end ? std::make_pair(done, end) : std::make_pair(end, end);
}

std::string digest_set::end_writes() {
  auto& d = *impl_;
  d.end_writes();
  return write_error();
}

bool digest_set::saturated() const {
  auto& d = *impl_;
  std::lock_guard<std::mutex> guard{d.mtx};
  return !room_for_a_chunk(d.pending);
}

std::string digest_set::write_error() const {
  auto& d = *impl_;
  std::lock_guard<std::mutex> guard{d.mtx};
  return d.write_error;
}

digest_set::result digest_set::finish() {
  auto& d = *impl_;
  d.end_writes();
  result r;
  r.md5 = d.md5.finish();
  r.sha1 = d.sha1.finish();
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08lx", static_cast<unsigned long>(d.crc));
  r.crc32 = buf;
  d.crc = crc32(0L, Z_NULL, 0);
  d.next_offset = 0;
  size_ = 0;
  return r;
}

void digest_set::reset() {
  auto& d = *impl_;
  d.filling = nullptr;
  d.drain();
  d.queued_end = 0;
  d.written_end = 0;
  d.fd = d.direct_fd = -1;
  d.target = nullptr;
  d.next_offset = 0;
  {
    std::lock_guard<std::mutex> guard{d.mtx};
    d.write_error.clear();
  }
  d.md5.reset();
  d.sha1.reset();
  d.crc = crc32(0L, Z_NULL, 0);
  size_ = 0;
}

uint64_t feed_file(digest_set& ds, const std::string& path, uint64_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  std::vector<char> buf(chunk_size);
  uint64_t total = 0;
  while (total < limit) {
    auto want = static_cast<size_t>(
      std::min<uint64_t>(buf.size(), limit - total));
    auto n = ::read(fd, buf.data(), want);
    if (n <= 0)
      break;
    ds.update(buf.data(), static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return total;
}

} // namespace skyhaul::storage
