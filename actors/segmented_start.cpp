// fetch_jobs, the segmented side: handing a download over to parts,
// resuming parts after a restart, and ending or restarting them. Blocking
// file work (control files, hashing a prefix back) runs off the loop.

#include "actors/fetch_job.hpp"

#include "actors/disk_pool.hpp"
#include "actors/segmented_transfer.hpp"
#include "storage/digest.hpp"
#include "storage/no_space.hpp"

#include <caf/all.hpp>
#include <fcntl.h>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace skyhaul {

namespace {

/// Times a source may change under one download before it fails.
constexpr uint32_t max_restarts = 3;

/// Runs `fn` on the loop thread if the jobs still exist and are open.
/// Only a weak reference travels: the loop and control-file threads must
/// never hold the last one (its destructor joins them).
void post_weak(const std::shared_ptr<curl_loop>& loop,
               std::weak_ptr<fetch_jobs> weak,
               std::function<void(fetch_jobs&)> fn) {
  loop->post([weak = std::move(weak), fn = std::move(fn)](curl_loop&) {
    auto self = weak.lock();
    if (self && !self->closed())
      fn(*self);
    release_off_loop(std::move(self));
  });
}

} // namespace

void fetch_jobs::off_loop(std::function<void(fetch_jobs&)> fn) {
  // A weak reference: a disk thread must not hold the last one either.
  loop_->off_loop(this, [weak = weak_from_this(),
                         fn = std::move(fn)]() -> std::function<void()> {
    auto self = weak.lock();
    if (self && !self->closed())
      fn(*self);
    release_off_loop(std::move(self));
    return {};
  });
}

void fetch_jobs::on_loop(std::function<void(fetch_jobs&)> fn) {
  post_weak(loop_, weak_from_this(), std::move(fn));
}

void fetch_jobs::after(std::chrono::milliseconds delay,
                       std::function<void(fetch_jobs&, curl_loop&)> fn) {
  std::thread{[self = shared_from_this(), delay, fn = std::move(fn)] {
    std::this_thread::sleep_for(delay);
    self->on_loop([fn](fetch_jobs& jobs) { fn(jobs, *jobs.loop_); });
  }}.detach();
}

segmented_transfer* fetch_jobs::segmented(task_seq seq, uint64_t id) {
  auto i = segmented_.find(seq);
  return i != segmented_.end() && i->second->id() == id ? i->second.get()
                                                         : nullptr;
}

uint64_t fetch_jobs::expect(task_seq seq) {
  auto gen = ++generation_;
  checking_[seq] = gen;
  return gen;
}

bool fetch_jobs::still(task_seq seq, uint64_t gen) {
  auto i = checking_.find(seq);
  if (closed_ || i == checking_.end() || i->second != gen)
    return false;
  checking_.erase(i);
  return true;
}

void fetch_jobs::segment(fetch_request req, fetch_listener_actor who,
                         const proxy_config* proxy, segment_state state) {
  auto gen = expect(req.seq);
  // The control file exists before the first part writes a byte: without
  // it a restart would take the file for a prefix.
  pool_->submit([loop = loop_, weak = weak_from_this(), req = std::move(req),
                 who = std::move(who), proxy, state = std::move(state),
                 gen]() mutable {
    std::error_code err;
    std::filesystem::create_directories(
        std::filesystem::path(req.path).parent_path(), err);
    int fd = ::open(req.path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::ftruncate(fd, 0);
      ::close(fd);
    }
    auto failed = write_segment_state(req.path, state);
    post_weak(loop, weak, [req = std::move(req), who = std::move(who), proxy,
                   state = std::move(state), gen,
                   failed = std::move(failed)](fetch_jobs& jobs) mutable {
      if (!jobs.still(req.seq, gen))
        return;
      if (!failed.empty())
        return jobs.fail(req, who, storage::storage_error_code(failed),
                         failed);
      jobs.run_segmented(std::move(req), std::move(who), proxy,
                         std::move(state),
                         std::make_unique<prefix_hasher>(
                             storage::digest_set{}, 0));
    });
  });
}

void fetch_jobs::resume(fetch_request req, fetch_listener_actor who,
                        const proxy_config* proxy) {
  auto gen = expect(req.seq);
  off_loop([req = std::move(req), who = std::move(who), proxy,
            gen](fetch_jobs& jobs) mutable {
    auto state = read_segment_state(req.path);
    std::unique_ptr<prefix_hasher> hasher;
    if (state) {
      // The digests cover the whole file again: the prefix on disk is
      // hashed here, the parts beyond it as the frontier reaches them.
      storage::digest_set ds;
      auto prefix = state->plan.prefix();
      if (storage::feed_file(ds, req.path, prefix) == prefix) {
        hasher = std::make_unique<prefix_hasher>(std::move(ds), prefix);
        for (auto& s : state->plan.parts())
          hasher->on_disk(s.start, s.done);
      }
    }
    if (!hasher)
      reset_segment_state(req.path); // unreadable: start from zero
    jobs.on_loop([req = std::move(req), who = std::move(who), proxy, gen,
                  state = std::move(state),
                  hasher = std::shared_ptr<prefix_hasher>(std::move(hasher))](
                     fetch_jobs& jobs) mutable {
      if (!jobs.still(req.seq, gen))
        return;
      if (!hasher) {
        req.offset = 0;
        return jobs.launch(*jobs.loop_, std::move(req), std::move(who), proxy,
                           {}, false);
      }
      auto own = std::make_unique<prefix_hasher>(std::move(*hasher));
      jobs.run_segmented(std::move(req), std::move(who), proxy,
                         std::move(*state), std::move(own));
    });
  });
}

void fetch_jobs::run_segmented(fetch_request req, fetch_listener_actor who,
                               const proxy_config* proxy, segment_state state,
                               std::unique_ptr<prefix_hasher> hasher) {
  auto seq = req.seq;
  auto t = std::make_unique<segmented_transfer>(
      *this, *loop_, std::move(req), std::move(who), proxy, std::move(state),
      std::move(hasher), ++next_id_);
  auto* raw = t.get();
  segmented_[seq] = std::move(t);
  running_[seq] = raw;
  rebalance();
  if (auto err = raw->start(); !err.empty()) {
    auto req = raw->request();
    auto who = raw->listener();
    auto wait = raw->out_of_fds();
    segmented_.erase(seq);
    running_.erase(seq);
    if (wait)
      return await_descriptors(std::move(req), std::move(who), err);
    fail(req, who, storage::storage_error_code(err), err);
  }
}

void fetch_jobs::segmented_ended(task_seq seq, uint64_t id, fetch_result res) {
  auto i = segmented_.find(seq);
  if (i == segmented_.end() || i->second->id() != id)
    return;
  auto gone = std::move(i->second);
  segmented_.erase(i);
  running_.erase(seq);
  rebalance();
  descriptors_freed();
  caf::anon_send(gone->listener(), atom::done_v, std::move(res));
}

void fetch_jobs::restart(task_seq seq, uint64_t id) {
  auto i = segmented_.find(seq);
  if (i == segmented_.end() || i->second->id() != id)
    return;
  auto gone = std::move(i->second);
  segmented_.erase(i);
  running_.erase(seq);
  rebalance();
  auto req = gone->request();
  auto who = gone->listener();
  auto tries = ++restarts_[seq];
  auto gen = expect(seq);
  // After every control file of the old parts (same thread, in order).
  pool_->submit([loop = loop_, weak = weak_from_this(), req = std::move(req),
                 who = std::move(who), gen, tries]() mutable {
    reset_segment_state(req.path);
    post_weak(loop, weak, [req = std::move(req), who = std::move(who), gen,
                   tries](fetch_jobs& jobs) mutable {
      if (!jobs.still(req.seq, gen))
        return;
      if (tries > max_restarts)
        return jobs.fail(req, who, ec::download_source_exception,
                         "the source changed during the download "
                             + std::to_string(tries) + " times",
                         true);
      // From zero, under the new validator the next probe learns.
      req.offset = 0;
      req.validator.clear();
      jobs.add(*jobs.loop_, std::move(req), std::move(who));
    });
  });
}

} // namespace skyhaul
