#include "actors/segmented_transfer.hpp"

#include "actors/backoff.hpp"
#include "actors/disk_pool.hpp"
#include "actors/fd_budget.hpp"
#include "actors/fetch_job.hpp"
#include "actors/part_conn.hpp"
#include "actors/proxy_route.hpp"
#include "base/url_text.hpp"
#include "protocol/text.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace skyhaul {

using clock_type = std::chrono::steady_clock;

namespace {

/// Ticks a 250 ms look needs to have seen (of about 25) to judge the
/// hasher's load.
constexpr uint32_t min_ticks_per_look = 10;

/// Failures in a row of one part before the task's attempt fails.
constexpr uint32_t max_part_failures = 5;
/// Failures in a row of a mirror before it is dropped.
constexpr uint32_t max_mirror_failures = 3;

} // namespace

segmented_transfer::segmented_transfer(fetch_jobs& jobs, curl_loop& loop,
                                       fetch_request req,
                                       fetch_listener_actor who,
                                       const proxy_config* proxy,
                                       segment_state state,
                                       std::unique_ptr<prefix_hasher> hasher,
                                       uint64_t id)
    : jobs_(jobs), loop_(loop), req_(std::move(req)), who_(std::move(who)),
      proxy_(proxy), state_(std::move(state)), hasher_(std::move(hasher)),
      id_(id),
      checkpointing_(std::make_shared<std::atomic<bool>>(false)) {
  sources_.push_back({state_.url});
  std::vector<std::string> hosts{url_host(state_.url)};
  for (auto& m : req_.mirrors) {
    sources_.push_back({m});
    if (std::find(hosts.begin(), hosts.end(), url_host(m)) == hosts.end())
      hosts.push_back(url_host(m));
  }
  auto n = std::max<uint32_t>(req_.connections, 1);
  auto per_host = std::max<uint32_t>(req_.max_per_host, 1);
  max_conns_ = std::min<uint64_t>(n, uint64_t{per_host} * hosts.size());
  last_report_ = last_checkpoint_ = clock_type::now();
  next_look_ = last_report_ + std::chrono::milliseconds(150);
}

segmented_transfer::~segmented_transfer() {
  drop_connections();
  // The hasher's writes land before their descriptors close.
  hasher_.reset();
  if (direct_fd_ >= 0)
    ::close(direct_fd_);
  if (fd_ >= 0)
    ::close(fd_);
}

std::string segmented_transfer::start() {
  fd_ = ::open(req_.path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    out_of_fds_ = descriptors_exhausted(errno);
    return "cannot open " + req_.path + ": " + std::strerror(errno);
  }
  direct_fd_ = ::open(req_.path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  hasher_->write_to(fd_, direct_fd_);
  send_progress();
  if (state_.plan.complete()) {
    complete();
    return {};
  }
  fill();
  return {};
}

void segmented_transfer::drop_connections() {
  auto conns = conns_;
  for (auto* c : conns) {
    c->owner = nullptr;
    loop_.remove(c);
  }
  conns_.clear();
}

void segmented_transfer::stop() {
  if (!ended_)
    checkpoint();
  ended_ = true;
  drop_connections();
}

void segmented_transfer::detach(part_conn* c) {
  conns_.erase(std::remove(conns_.begin(), conns_.end(), c), conns_.end());
  c->owner = nullptr;
}

bool segmented_transfer::should_wait(uint64_t off) const {
  // Far ahead of the frontier, while the hasher is the bottleneck: the
  // bytes near the frontier are worth more, and waiting keeps the hasher
  // from having to read them back. Never the connection at the frontier.
  return off > hasher_->frontier() + hasher_->window() && hasher_->saturated();
}

void segmented_transfer::launch(uint32_t part) {
  auto c = std::make_unique<part_conn>();
  c->group = &jobs_;
  c->owner = this;
  c->part = part;
  c->source = pick_source();
  conns_.push_back(c.get());
  loop_.add(std::move(c));
  apply_rate();
}

size_t segmented_transfer::pick_source() {
  for (size_t n = 0; n < sources_.size(); ++n) {
    auto i = next_source_++ % sources_.size();
    if (!sources_[i].dropped)
      return i;
  }
  return 0; // the origin is never dropped
}

void segmented_transfer::drop_source(size_t i, const std::string& why) {
  if (i == 0 || sources_[i].dropped)
    return;
  sources_[i].dropped = true;
  notes_.push_back("mirror " + redact_url(sources_[i].url)
                   + " dropped: " + why);
  send_progress();
}

void segmented_transfer::fill() {
  while (!ended_
         && conns_.size() + retries_pending_
                < std::min(max_conns_, active_limit_)) {
    auto part = state_.plan.assign(req_.min_split_size);
    if (!part)
      break;
    launch(*part);
  }
}

void segmented_transfer::retry_later(uint32_t part, uint32_t failures) {
  ++retries_pending_;
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(
      backoff_delay(250, 8000, failures));
  auto seq = req_.seq;
  auto id = id_;
  jobs_.after(delay, [seq, id, part](fetch_jobs& jobs, curl_loop&) {
    auto* t = jobs.segmented(seq, id);
    if (!t || t->ended_)
      return;
    --t->retries_pending_;
    auto* p = t->state_.plan.find(part);
    if (p && p->left() > 0)
      t->launch(part);
    else
      t->fill();
  });
}

void segmented_transfer::conn_finished(part_conn& c, CURLcode code) {
  detach(&c);
  if (ended_)
    return;
  if (c.changed)
    return restart();
  if (c.forced != ec::none)
    return end_with(c.forced, c.forced_message, false);
  auto* p = state_.plan.find(c.part);
  if (c.mismatch && p) {
    drop_source(c.source, "its size or validator differs from the origin's");
    launch(c.part);
  } else if (p && (p->left() == 0 || c.reached_end)) {
    failures_.erase(c.part);
    sources_[c.source].failures = 0;
    p->busy = false;
  } else if (p && code != CURLE_OK && c.out_of_fds) {
    // No descriptor for its socket: the part waits, uncounted.
    std::cerr << "skyhauld: task " << req_.seq << ": a part waits for a "
              << "file descriptor for its connection\n";
    retry_later(c.part, 3);
  } else if (p) {
    auto refused = !c.refusal().empty() ? c.refusal() : c.refused;
    if (!refused.empty())
      return end_with(ec::blocked_address, refused, false);
    std::string why;
    bool transient = true;
    if (code != CURLE_OK && code != CURLE_WRITE_ERROR)
      why = c.error_text()[0] != 0 ? c.error_text() : curl_easy_strerror(code);
    else if (!c.forced_message.empty())
      why = c.forced_message;
    else if (c.status != 206) {
      why = "the source answered HTTP " + std::to_string(c.status);
      transient = c.status >= 500 || c.status == 408 || c.status == 429;
    } else {
      why = "the body ended after " + std::to_string(p->done) + " of "
            + std::to_string(p->end - p->start) + " bytes";
    }
    if (c.source != 0) {
      // A mirror that fails for good, or again and again, goes; the part
      // tries another source at once.
      if (!transient || ++sources_[c.source].failures >= max_mirror_failures
          || c.status == 404 || c.status == 410)
        drop_source(c.source, why);
      if (sources_[c.source].dropped) {
        launch(c.part);
        return fill();
      }
    } else if (c.status == 404 || c.status == 410) {
      return end_with(ec::no_such_download_source, why, false);
    }
    auto n = ++failures_[c.part];
    if (!transient || n > max_part_failures)
      return end_with(ec::download_source_exception,
                      "bytes " + std::to_string(p->next()) + "-"
                          + std::to_string(p->end - 1) + ": " + why,
                      transient);
    // The part keeps its bytes and its claim; a connection tries again.
    retry_later(c.part, n);
  }
  fill();
  if (conns_.empty() && retries_pending_ == 0) {
    if (state_.plan.complete())
      complete();
    else
      end_with(ec::download_source_exception, "no connection has work left",
               true);
  }
}

void segmented_transfer::apply_rate() {
  if (conns_.empty())
    return;
  curl_off_t each = 0;
  if (rate_ > 0)
    each = static_cast<curl_off_t>(std::max<uint64_t>(1, rate_ / conns_.size()));
  for (auto* c : conns_)
    if (c->easy)
      curl_easy_setopt(c->easy, CURLOPT_MAX_RECV_SPEED_LARGE, each);
}

void segmented_transfer::set_rate(uint64_t bytes_per_s) {
  rate_ = bytes_per_s;
  apply_rate();
}

void segmented_transfer::on_tick(clock_type::time_point now) {
  if (ended_)
    return;
  // Catching up never waits for the hasher: the loop has transfers to run.
  hasher_->advance(fd_, 8 << 20, false);
  // One connection first. When it alone keeps the hasher busy (a fast
  // origin), more would only race ahead of the frontier; when the hasher
  // has room (an origin that limits each connection), all of them go.
  // Busy is seen here and where the frontier's bytes arrive (part_conn):
  // a tick runs only while the loop is free, and a busy hasher keeps the
  // loop waiting at the frontier, so ticks alone would miss it.
  // A window counts only when the loop ran through it (ticks every 10 ms):
  // after a stall of the whole loop (the disk, the host) nothing was seen,
  // which says nothing of the origin.
  hasher_busy_seen_ = hasher_busy_seen_ || hasher_->saturated();
  ++ticks_seen_;
  if (now >= next_look_) {
    next_look_ = now + std::chrono::milliseconds(250);
    auto ran = ticks_seen_ >= min_ticks_per_look;
    ticks_seen_ = 0;
    if (ran && !hasher_busy_seen_ && active_limit_ < max_conns_) {
      active_limit_ = max_conns_;
      // Not from a tick: starting a job would change the loop's job list
      // while it walks it.
      jobs_.on_loop([seq = req_.seq, id = id_](fetch_jobs& jobs) {
        if (auto* t = jobs.segmented(seq, id); t && !t->ended_)
          t->fill();
      });
    }
    hasher_busy_seen_ = false;
  }
  for (auto* c : conns_)
    if (c->paused && !should_wait(c->paused_at)) {
      c->paused = false;
      curl_easy_pause(c->easy, CURLPAUSE_CONT);
    }
  if (now - last_report_ >= std::chrono::milliseconds(500)) {
    last_report_ = now;
    send_progress();
  }
  if (now - last_checkpoint_ >= std::chrono::seconds(1)
      && !checkpointing_->load()) {
    last_checkpoint_ = now;
    checkpoint();
  }
}

void segmented_transfer::send_progress() {
  fetch_progress p;
  p.seq = req_.seq;
  p.done = state_.plan.done();
  p.total = static_cast<int64_t>(state_.total);
  p.validator = state_.validator;
  p.file_name = state_.file_name;
  for (auto& s : state_.plan.parts()) {
    fetch_part fp;
    fp.start = s.start;
    fp.end = s.end;
    fp.done = s.done;
    for (auto* c : conns_)
      if (c->part == s.id)
        fp.speed += c->speed;
    p.speed += fp.speed;
    for (auto* c : conns_)
      if (c->part == s.id)
        fp.source = url_host(sources_[c->source].url);
    if (fp.source.empty())
      fp.source = url_host(state_.url);
    p.parts.push_back(std::move(fp));
  }
  p.notes = std::move(notes_);
  notes_.clear();
  caf::anon_send(who_, atom::progress_v, std::move(p));
}

void segmented_transfer::checkpoint() {
  checkpointing_->store(true);
  // Bytes the hasher's workers may not have written yet are not claimed.
  auto s = state_;
  if (hasher_) {
    auto [from, to] = hasher_->unwritten();
    if (from < to) {
      std::vector<segment> parts = s.plan.parts();
      for (auto& p : parts)
        if (p.start < to && p.next() > from)
          p.done = std::max(from, p.start) - p.start;
      if (auto plan = segment_plan::restore(s.total, std::move(parts)))
        s.plan = std::move(*plan);
    }
  }
  jobs_.state_pool().submit(
      [flag = checkpointing_, path = req_.path, s = std::move(s)] {
        write_segment_state(path, s);
        flag->store(false);
      });
}

void segmented_transfer::complete() {
  ended_ = true;
  // Every byte is on disk before the control file claims it and before
  // the descriptors can close (a few chunks at most are in flight).
  hasher_->end_writes();
  checkpoint();
  fetch_result res;
  res.seq = req_.seq;
  res.http_status = 206;
  res.size = state_.total;
  res.validator = state_.validator;
  res.file_name = state_.file_name;
  res.content_type = state_.content_type;
  // What the hasher has not reached yet is read back on a thread of its
  // own: a whole file of it would stall every transfer of the loop.
  auto hasher = std::shared_ptr<prefix_hasher>(std::move(hasher_));
  auto seq = req_.seq;
  auto id = id_;
  jobs_.off_loop([hasher, res, path = req_.path, seq, id,
                  total = state_.total](fetch_jobs& jobs) mutable {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && hasher->advance(fd, UINT64_MAX, true)
              && hasher->frontier() == total;
    if (fd >= 0)
      ::close(fd);
    auto d = hasher->finish();
    if (!ok) {
      res.code = ec::internal_error;
      res.message = "cannot read the partial file back to hash it";
    } else {
      res.md5 = std::move(d.md5);
      res.sha1 = std::move(d.sha1);
      res.crc32 = std::move(d.crc32);
    }
    jobs.on_loop([seq, id, res = std::move(res)](fetch_jobs& j) mutable {
      j.segmented_ended(seq, id, std::move(res));
    });
  });
}

void segmented_transfer::end_with(ec code, std::string msg, bool transient) {
  if (!ended_)
    checkpoint();
  ended_ = true;
  drop_connections();
  fetch_result res;
  res.seq = req_.seq;
  res.code = code;
  res.message = std::move(msg);
  res.transient = transient;
  res.validator = state_.validator;
  res.file_name = state_.file_name;
  // Destroys this object: nothing may follow.
  jobs_.segmented_ended(req_.seq, id_, std::move(res));
}

void segmented_transfer::restart() {
  ended_ = true;
  drop_connections();
  // Destroys this object: nothing may follow.
  jobs_.restart(req_.seq, id_);
}

} // namespace skyhaul
