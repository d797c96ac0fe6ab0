// fetch_jobs: starting, stopping and limiting the transfers of the curl
// loop; the segmented side is in actors/segmented_start.cpp.

#include "actors/fetch_job.hpp"

#include "actors/disk_pool.hpp"
#include "actors/fd_budget.hpp"
#include "actors/fetch_transfer.hpp"
#include "actors/file_pool.hpp"
#include "actors/proxy_route.hpp"
#include "actors/segment_state.hpp"
#include "storage/no_space.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <utility>

namespace skyhaul {

void release_off_loop(std::shared_ptr<fetch_jobs> jobs) {
  if (jobs && jobs.use_count() == 1)
    std::thread{[last = std::move(jobs)] {}}.detach();
}

fetch_jobs::fetch_jobs(std::shared_ptr<curl_loop> loop,
                       uint64_t global_rate_limit)
    : loop_(std::move(loop)), global_rate_limit_(global_rate_limit),
      pool_(std::make_shared<disk_pool>(1)), files_(file_pool::process()) {
}

void fetch_jobs::start(fetch_request req, fetch_listener_actor who) {
  auto self = shared_from_this();
  loop_->post([self, req = std::move(req),
               who = std::move(who)](curl_loop& loop) mutable {
    self->restarts_.erase(req.seq);
    if (!self->fd_waiting_.empty() && !self->fd_waiting_.count(req.seq))
      // Others wait for descriptors already: this one waits behind them.
      return self->await_descriptors(
          std::move(req), std::move(who),
          std::to_string(self->fd_waiting_.size()) + " transfers wait before it");
    if (self->descriptors_short(req))
      return self->await_descriptors(
          std::move(req), std::move(who),
          "no more than " + std::to_string(fd_reserve)
              + " are free, and those are kept for finishing downloads");
    self->add(loop, std::move(req), std::move(who));
  });
}

bool fetch_jobs::descriptors_short(const fetch_request& req) {
  auto now = std::chrono::steady_clock::now();
  if (now - fd_counted_at_ > std::chrono::milliseconds(100)) {
    fd_free_estimate_ = free_descriptors();
    fd_counted_at_ = now;
  }
  size_t sockets = std::max<size_t>(1, req.connections);
  if (fd_free_estimate_ < fd_reserve + sockets)
    return true;
  fd_free_estimate_ -= sockets;
  return false;
}

void fetch_jobs::stop(task_seq seq) {
  auto self = shared_from_this();
  loop_->post([self, seq](curl_loop& loop) {
    self->checking_.erase(seq);
    self->fd_waiting_.erase(seq);
    if (auto s = self->segmented_.find(seq); s != self->segmented_.end()) {
      s->second->stop();
      self->segmented_.erase(s);
      self->running_.erase(seq);
    }
    auto i = self->running_.find(seq);
    if (i == self->running_.end())
      return;
    if (auto* job = dynamic_cast<curl_job*>(i->second))
      loop.remove(job);
    self->rebalance();
  });
}

void fetch_jobs::close() {
  closed_ = true;
  // The segmented transfers record their parts and let go of their
  // connections before the loop drops the rest. Neither waits: the caller
  // is a CAF worker on its way out.
  loop_->post([self = shared_from_this()](curl_loop&) mutable {
    for (auto& kvp : self->segmented_)
      kvp.second->stop();
    self->segmented_.clear();
    self->fd_waiting_.clear();
    self->fd_order_.clear();
    release_off_loop(std::move(self));
  });
  loop_->drop(this);
}

void fetch_jobs::fail(const fetch_request& req, const fetch_listener_actor& who,
                      ec code, std::string msg, bool transient) {
  fetch_result res;
  res.seq = req.seq;
  res.code = code;
  res.message = std::move(msg);
  res.transient = transient;
  caf::anon_send(who, atom::done_v, std::move(res));
  rebalance();
}

void fetch_jobs::add(curl_loop& loop, fetch_request req,
                     fetch_listener_actor who) {
  if (auto s = segmented_.find(req.seq); s != segmented_.end()) {
    s->second->stop();
    segmented_.erase(s);
    running_.erase(req.seq);
  }
  if (auto i = running_.find(req.seq); i != running_.end())
    if (auto* job = dynamic_cast<curl_job*>(i->second))
      loop.remove(job);
  checking_.erase(req.seq);
  fd_waiting_.erase(req.seq);
  const proxy_config* proxy = nullptr;
  if (!req.proxy_id.empty()) {
    proxy = find_proxy(loop.defaults().proxies, req.proxy_id);
    if (!proxy)
      return fail(req, who, ec::invalid_argument,
                  "unknown proxy '" + req.proxy_id
                    + "': the configuration has no proxy of that id");
  }
  auto* own = fetch_policy(req);
  auto& policy = own ? *own : loop.defaults().policy;
  if (!proxy || policy.allows_everything())
    return launch(loop, std::move(req), std::move(who), proxy, {}, false);
  // Resolving blocks: a thread of its own does it, and the loop goes on.
  // A stop, a newer start or the close meanwhile makes its answer stale.
  auto gen = ++generation_;
  checking_[req.seq] = gen;
  std::thread{[self = shared_from_this(), req = std::move(req),
               who = std::move(who), policy, gen]() mutable {
    bool unresolved = false;
    std::string pins;
    auto refusal = check_origin(req.url, policy, unresolved, pins);
    self->loop_->post([self, req = std::move(req), who = std::move(who), gen,
                       refusal = std::move(refusal), unresolved,
                       pins = std::move(pins)](curl_loop& loop) mutable {
      auto i = self->checking_.find(req.seq);
      if (self->closed_ || i == self->checking_.end() || i->second != gen)
        return;
      self->checking_.erase(i);
      if (!refusal.empty())
        return self->fail(req, who,
                          unresolved ? ec::download_source_exception
                                     : ec::blocked_address,
                          std::move(refusal), unresolved);
      auto* proxy = find_proxy(loop.defaults().proxies, req.proxy_id);
      self->launch(loop, std::move(req), std::move(who), proxy,
                   std::move(pins), true);
    });
  }}.detach();
}

/// The partial file of a transfer, open, with its first `req.offset`
/// bytes hashed again so that the digests cover the whole file. Closes
/// the descriptors a transfer did not take.
struct partial_file {
  uint64_t on_disk = 0;
  storage::digest_set digests;
  std::string error;
  /// `error` is a want of descriptors: the request waits, not fails.
  bool out_of_fds = false;
};

namespace {

/// Creates the partial file of `req` and hashes its first `req.offset`
/// bytes, cutting off any beyond. Blocking for as long as reading them
/// takes. The file is closed again: its writes borrow descriptors from
/// the file pool.
std::shared_ptr<partial_file> open_partial(const fetch_request& req) {
  auto f = std::make_shared<partial_file>();
  std::error_code err;
  std::filesystem::create_directories(
      std::filesystem::path(req.path).parent_path(), err);
  int fd = ::open(req.path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    f->out_of_fds = descriptors_exhausted(errno);
    f->error = "cannot open " + req.path + ": " + std::strerror(errno);
    return f;
  }
  struct stat st {};
  ::fstat(fd, &st);
  auto want = std::min<uint64_t>(req.offset, static_cast<uint64_t>(st.st_size));
  errno = 0;
  f->on_disk = want > 0 ? storage::feed_file(f->digests, req.path, want) : 0;
  if (f->on_disk < want) {
    // Not read (no descriptor, say): the bytes stay, nothing is cut.
    f->out_of_fds = descriptors_exhausted(errno);
    f->error = "cannot read " + req.path + ": "
               + std::strerror(errno != 0 ? errno : EIO);
    ::close(fd);
    return f;
  }
  ::ftruncate(fd, static_cast<off_t>(f->on_disk));
  ::close(fd);
  return f;
}

} // namespace

void fetch_jobs::launch(curl_loop& loop, fetch_request req,
                        fetch_listener_actor who, const proxy_config* proxy,
                        std::string pins, bool check_redirects) {
  std::error_code ec_exists;
  if (std::filesystem::exists(segment_state_path(req.path), ec_exists)) {
    // A segmented download was under way: its parts go on, unless this
    // request may not be segmented any more (its redirects are checked
    // hop by hop); then the file is not a prefix and starts from zero.
    if (!check_redirects && req.connections > 1)
      return resume(std::move(req), std::move(who), proxy);
    reset_segment_state(req.path);
    req.offset = 0;
  }
  if (req.offset == 0) {
    auto file = open_partial(req);
    return run_transfer(loop, std::move(req), std::move(who), proxy,
                        std::move(pins), check_redirects, *file);
  }
  // Resume: the bytes on disk are hashed again, so the digests cover the
  // whole file. That reads the whole prefix (gigabytes, maybe): on a disk
  // thread, while the loop serves the other transfers. A stop, a newer
  // start or the close meanwhile makes the answer stale.
  auto gen = expect(req.seq);
  loop.off_loop(this, [weak = weak_from_this(), req = std::move(req),
                       who = std::move(who), proxy, pins = std::move(pins),
                       check_redirects, gen]() -> std::function<void()> {
    auto file = open_partial(req);
    return [weak, file, req, who, proxy, pins, check_redirects, gen] {
      auto self = weak.lock();
      if (self && !self->closed() && self->still(req.seq, gen))
        self->run_transfer(*self->loop_, req, who, proxy, pins,
                           check_redirects, *file);
      release_off_loop(std::move(self));
    };
  });
}

void fetch_jobs::run_transfer(curl_loop& loop, fetch_request req,
                              fetch_listener_actor who,
                              const proxy_config* proxy, std::string pins,
                              bool check_redirects, partial_file& file) {
  if (file.out_of_fds)
    return await_descriptors(std::move(req), std::move(who), file.error);
  if (!file.error.empty())
    return fail(req, who, storage::storage_error_code(file.error),
                file.error);
  auto t = std::make_unique<transfer>();
  t->group = this;
  t->req = std::move(req);
  t->who = std::move(who);
  t->proxy = proxy;
  t->loop_policy = &loop.defaults().policy;
  t->pins = std::move(pins);
  t->check_redirects = check_redirects;
  t->remote_file = is_remote_file_url(t->req.url);
  t->probe = !check_redirects && t->req.connections > 1 && !t->remote_file;
  t->file = files_->file(t->req.path);
  t->on_disk = file.on_disk;
  t->digests = std::move(file.digests);
  t->digests.write_to(t->file, t->on_disk);
  t->last_report_bytes = t->on_disk;
  t->probe = t->probe && t->on_disk == 0;
  // Registered before the loop owns it: the job's destructor, whenever it
  // runs, takes it out again.
  auto* raw = t.get();
  t->owner = shared_from_this();
  running_[raw->req.seq] = raw;
  loop.add(std::move(t));
  rebalance();
}

void fetch_jobs::await_descriptors(fetch_request req, fetch_listener_actor who,
                                   const std::string& why) {
  if (closed_)
    return;
  auto seq = req.seq;
  std::cerr << "skyhauld: task " << seq << " waits for a file descriptor ("
            << why << "); it goes on when one is free\n";
  // The task shows the wait instead of a download at no speed.
  fetch_progress p;
  p.seq = seq;
  p.stalled = waits_for::file_descriptor;
  p.notes.push_back("waits for a file descriptor: " + why);
  caf::anon_send(who, atom::progress_v, std::move(p));
  fd_waiting_[seq] = fd_wait{std::move(req), std::move(who)};
  fd_order_.push_back(seq);
  arm_fd_retry();
}

void fetch_jobs::arm_fd_retry() {
  if (fd_retry_armed_ || fd_waiting_.empty())
    return;
  fd_retry_armed_ = true;
  // Descriptors free up as transfers end, and elsewhere (an API
  // connection, a torrent's file): a look four times a second.
  after(std::chrono::milliseconds(250), [](fetch_jobs& self, curl_loop&) {
    self.fd_retry_armed_ = false;
    self.retry_waiting();
  });
}

void fetch_jobs::descriptors_freed() {
  arm_fd_retry();
}

void fetch_jobs::retry_waiting() {
  // As many as there are descriptors beyond the reserve (each needs one
  // socket; its file is borrowed per write), at most a batch per turn so
  // the loop goes on serving the others.
  auto free = fd_waiting_.empty() ? 0 : free_descriptors();
  size_t n = free > fd_reserve ? std::min<size_t>(free - fd_reserve, 256) : 0;
  while (n > 0 && !fd_order_.empty()) {
    auto seq = fd_order_.front();
    fd_order_.pop_front();
    auto i = fd_waiting_.find(seq);
    if (i == fd_waiting_.end())
      continue; // stopped or started again meanwhile
    auto w = std::move(i->second);
    fd_waiting_.erase(i);
    --n;
    add(*loop_, std::move(w.req), std::move(w.who));
  }
  arm_fd_retry();
}

void fetch_jobs::rebalance() {
  // The global limit is shared evenly; a per-task limit caps each share.
  if (running_.empty())
    return;
  uint64_t share = 0;
  if (global_rate_limit_ > 0)
    share = std::max<uint64_t>(1, global_rate_limit_ / running_.size());
  for (auto& kvp : running_) {
    auto limit = kvp.second->task_rate_limit();
    if (share > 0)
      limit = limit > 0 ? std::min(limit, share) : share;
    kvp.second->set_rate(limit);
  }
}

} // namespace skyhaul
