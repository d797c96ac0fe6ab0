#include "actors/file_pool.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <iostream>
#include <sys/resource.h>
#include <unistd.h>

namespace skyhaul {

pooled_file::pooled_file(std::shared_ptr<file_pool> pool, std::string path)
    : pool_(std::move(pool)), path_(std::move(path)) {
}

pooled_file::~pooled_file() {
  close();
}

int pooled_file::acquire(bool direct) {
  return pool_->acquire(*this, direct);
}

void pooled_file::release(int fd) {
  pool_->release(fd);
}

void pooled_file::close() {
  pool_->close_all(*this);
}

file_pool::file_pool(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)) {
}

file_pool::~file_pool() {
  for (auto& s : slots_)
    ::close(s.fd);
}

std::shared_ptr<file_pool> file_pool::process() {
  static auto pool = [] {
    rlimit lim{};
    size_t soft = 1024;
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
      soft = static_cast<size_t>(lim.rlim_cur);
    auto p = std::make_shared<file_pool>(capacity_for(soft));
    std::cerr << "skyhauld: output files: at most " << p->capacity()
              << " open at once (of " << soft << " descriptors)\n";
    return p;
  }();
  return pool;
}

size_t file_pool::capacity_for(size_t soft_limit) {
  return std::clamp<size_t>(soft_limit / 32, 4, 512);
}

std::shared_ptr<pooled_file> file_pool::file(std::string path) {
  return std::make_shared<pooled_file>(shared_from_this(), std::move(path));
}

size_t file_pool::open_count() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return slots_.size();
}

size_t file_pool::opened_total() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return opened_;
}

bool file_pool::evict_one() {
  for (auto i = slots_.rbegin(); i != slots_.rend(); ++i) {
    if (i->busy)
      continue;
    ::close(i->fd);
    slots_.erase(std::next(i).base());
    return true;
  }
  return false;
}

int file_pool::acquire(pooled_file& f, bool direct) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (direct && f.no_direct_) {
    errno = EINVAL;
    return -1;
  }
  for (auto i = slots_.begin(); i != slots_.end(); ++i) {
    if (i->owner == &f && i->direct == direct && !i->busy) {
      i->busy = true;
      slots_.splice(slots_.begin(), slots_, i);
      return i->fd;
    }
  }
  while (slots_.size() >= capacity_ && evict_one()) {
  }
  int flags = O_WRONLY | O_CLOEXEC | (direct ? O_DIRECT : O_CREAT);
  int fd = ::open(f.path_.c_str(), flags, 0644);
  // Out of descriptors: the pool's idle ones go first, then it tries
  // once more.
  while (fd < 0 && (errno == EMFILE || errno == ENFILE) && evict_one())
    fd = ::open(f.path_.c_str(), flags, 0644);
  if (fd < 0) {
    if (direct && errno == EINVAL)
      f.no_direct_ = true;
    return -1;
  }
  ++opened_;
  slots_.push_front({&f, direct, fd, true});
  return fd;
}

void file_pool::release(int fd) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto i = slots_.begin(); i != slots_.end(); ++i)
    if (i->fd == fd && i->busy) {
      i->busy = false;
      if (i->owner == nullptr) { // its file closed meanwhile
        ::close(i->fd);
        slots_.erase(i);
      }
      return;
    }
}

void file_pool::close_all(const pooled_file& f) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto i = slots_.begin(); i != slots_.end();) {
    if (i->owner != &f) {
      ++i;
    } else if (i->busy) {
      i->owner = nullptr; // closed by `release`
      ++i;
    } else {
      ::close(i->fd);
      i = slots_.erase(i);
    }
  }
}

} // namespace skyhaul
