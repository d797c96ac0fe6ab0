#include "storage/digest.hpp"

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>

namespace skyhaul::storage {

namespace {

constexpr size_t chunk_size = 1 << 20;
constexpr size_t max_pending_jobs = 2 * 16;

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 0xf];
  }
  return out;
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
    return hex(out, len);
  }
  void reset() {
    EVP_DigestInit_ex(ctx, md, nullptr);
  }
};

using chunk = std::shared_ptr<std::vector<char>>;

/// A worker thread running jobs in FIFO order; one per kind of digest, so
/// the chunks of one stream are hashed in order.
class lane {
public:
  lane() : thread_([this] { run(); }) {
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
  static lane instance;
  return instance;
}

lane& sha1_lane() {
  static lane instance;
  return instance;
}

} // namespace

struct digest_set::impl {
  md_ctx md5{EVP_md5()};
  md_ctx sha1{EVP_sha1()};
  uLong crc = crc32(0L, Z_NULL, 0);
  chunk filling;
  std::mutex mtx;
  std::condition_variable cv;
  size_t pending = 0;

  impl() {
    // Touch both lanes first so they outlive every set (statics die in
    // reverse order of construction).
    md5_lane();
    sha1_lane();
  }

  ~impl() {
    drain();
  }

  void submit() {
    if (!filling || filling->empty())
      return;
    auto data = std::move(filling);
    filling = nullptr;
    {
      std::unique_lock<std::mutex> guard{mtx};
      cv.wait(guard, [this] { return pending + 2 <= max_pending_jobs; });
      pending += 2;
    }
    md5_lane().post([this, data] {
      md5.update(data->data(), data->size());
      done();
    });
    sha1_lane().post([this, data] {
      sha1.update(data->data(), data->size());
      crc = crc32_z(crc, reinterpret_cast<const Bytef*>(data->data()),
                    data->size());
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
  while (size > 0) {
    if (!d.filling) {
      d.filling = std::make_shared<std::vector<char>>();
      d.filling->reserve(chunk_size);
    }
    auto n = std::min(size, chunk_size - d.filling->size());
    d.filling->insert(d.filling->end(), p, p + n);
    p += n;
    size -= n;
    if (d.filling->size() == chunk_size)
      d.submit();
  }
}

digest_set::result digest_set::finish() {
  auto& d = *impl_;
  d.submit();
  d.drain();
  result r;
  r.md5 = d.md5.finish();
  r.sha1 = d.sha1.finish();
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08lx", static_cast<unsigned long>(d.crc));
  r.crc32 = buf;
  d.crc = crc32(0L, Z_NULL, 0);
  size_ = 0;
  return r;
}

void digest_set::reset() {
  auto& d = *impl_;
  d.filling = nullptr;
  d.drain();
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
