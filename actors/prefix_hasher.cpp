#include "actors/prefix_hasher.hpp"

#include <algorithm>
#include <cerrno>
#include <unistd.h>
#include <vector>

namespace skyhaul {

prefix_hasher::prefix_hasher(storage::digest_set ds, uint64_t start,
                             uint64_t window)
    : ds_(std::move(ds)), frontier_(start), window_(window) {
}

void prefix_hasher::cover(uint64_t off, uint64_t n) {
  auto end = off + n;
  if (end <= frontier_)
    return;
  off = std::max(off, frontier_);
  // Merge with every span that touches [off, end).
  auto i = covered_.upper_bound(off);
  if (i != covered_.begin()) {
    auto prev = std::prev(i);
    if (prev->second >= off) {
      off = prev->first;
      end = std::max(end, prev->second);
      i = covered_.erase(prev);
    }
  }
  while (i != covered_.end() && i->first <= end) {
    end = std::max(end, i->second);
    i = covered_.erase(i);
  }
  covered_.emplace(off, end);
}

uint64_t prefix_hasher::covered_until(uint64_t off) const {
  auto i = covered_.upper_bound(off);
  if (i == covered_.begin())
    return off;
  --i;
  return i->second > off ? i->second : off;
}

void prefix_hasher::write_to(int fd, int direct_fd) {
  fd_ = fd;
  direct_fd_ = direct_fd;
}

void prefix_hasher::set_writing(bool on) {
  on = on && fd_ >= 0;
  if (on == writing_)
    return;
  writing_ = on;
  // A file of parts: a failed write must not cut off the parts beyond.
  ds_.write_to(on ? fd_ : -1, on ? direct_fd_ : -1, frontier_, false);
}

void prefix_hasher::end_writes() {
  ds_.end_writes();
  writing_ = false;
  fd_ = direct_fd_ = -1;
}

void prefix_hasher::arrived_new(uint64_t off, const char* p, size_t n) {
  if (off != frontier_ || fd_ < 0)
    return; // callers write such bytes themselves and call `arrived`
  set_writing(true);
  ds_.update(p, n);
  frontier_ += n;
  from_memory();
}

void prefix_hasher::arrived(uint64_t off, const char* p, size_t n) {
  if (off + n <= frontier_)
    return;
  if (off < frontier_) {
    auto skip = frontier_ - off;
    p += skip;
    n -= skip;
    off = frontier_;
  }
  cover(off, n);
  if (off == frontier_) {
    set_writing(false);
    ds_.update(p, n);
    frontier_ += n;
    from_memory();
    return;
  }
  if (off - frontier_ + n > window_ || held_ + n > window_)
    return; // read back from disk when the frontier gets here
  // Appended to the piece it continues, so a part's stream is one piece.
  auto i = memory_.lower_bound(off);
  if (i != memory_.begin()) {
    auto prev = std::prev(i);
    if (prev->first + prev->second.size() == off) {
      prev->second.append(p, n);
      held_ += n;
      return;
    }
  }
  memory_.emplace(off, std::string(p, n));
  held_ += n;
}

void prefix_hasher::on_disk(uint64_t off, uint64_t n) {
  cover(off, n);
}

void prefix_hasher::from_memory() {
  for (;;) {
    // Pieces wholly behind the frontier were read back from disk already.
    while (!memory_.empty()
           && memory_.begin()->first + memory_.begin()->second.size()
                  <= frontier_) {
      held_ -= memory_.begin()->second.size();
      memory_.erase(memory_.begin());
    }
    if (memory_.empty() || memory_.begin()->first > frontier_)
      break;
    auto node = memory_.extract(memory_.begin());
    auto& data = node.mapped();
    held_ -= data.size();
    auto skip = static_cast<size_t>(frontier_ - node.key());
    set_writing(false);
    ds_.update(data.data() + skip, data.size() - skip);
    frontier_ += data.size() - skip;
  }
  // Spans the frontier has passed are forgotten.
  while (!covered_.empty() && covered_.begin()->second <= frontier_)
    covered_.erase(covered_.begin());
}

bool prefix_hasher::advance(int fd, uint64_t budget, bool wait) {
  from_memory();
  std::vector<char> buf;
  for (;;) {
    if (!wait && ds_.saturated())
      return true;
    auto until = covered_until(frontier_);
    if (until <= frontier_)
      return true;
    // Read up to the next piece memory holds, which then goes on.
    if (!memory_.empty() && memory_.begin()->first > frontier_)
      until = std::min(until, memory_.begin()->first);
    auto want = std::min<uint64_t>({until - frontier_, budget, 1 << 20});
    if (want == 0)
      return true;
    buf.resize(static_cast<size_t>(want));
    auto n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(frontier_));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    set_writing(false);
    ds_.update(buf.data(), static_cast<size_t>(n));
    frontier_ += static_cast<uint64_t>(n);
    budget -= static_cast<uint64_t>(n);
    from_memory();
  }
}

storage::digest_set::result prefix_hasher::finish() {
  memory_.clear();
  held_ = 0;
  return ds_.finish();
}

} // namespace skyhaul
