#include "actors/curl_loop.hpp"

#include "actors/net_policy.hpp"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace skyhaul {

namespace {

/// Longest sleep in `epoll_wait` when curl has no timeout pending.
constexpr int poll_timeout_ms = 250;

/// How often each job's `tick` runs (its speed figures and progress), and
/// that of jobs with `quick_ticks`. Not once per ready socket: with ten
/// thousand transfers, that walk would cost more than their bytes.
constexpr auto tick_every = std::chrono::milliseconds(250);
constexpr auto quick_tick_every = std::chrono::milliseconds(10);

/// Events taken from one `epoll_wait`.
constexpr int max_events = 256;

/// The socket's `socketp` once it is in the epoll set.
char in_epoll;

/// Threads of the loop's blocking steps: a multi-GiB resume hash on one
/// leaves the other to the parts of uploads.
constexpr size_t disk_threads = 2;

} // namespace

curl_socket_t curl_loop::open_socket(void* ud, curlsocktype,
                                     curl_sockaddr* addr) {
  auto& job = *static_cast<curl_job*>(ud);
  auto* own = job.policy();
  return open_policy_socket(*addr, own != nullptr ? *own : *job.loop_policy_,
                            job.refusal_);
}

curl_defaults curl_defaults::from(const settings& cfg) {
  curl_defaults d;
  d.policy = base::net_policy::from_settings(cfg.allow_private_networks,
                                             cfg.allow_networks);
  d.proxies = cfg.proxies;
  d.connect_timeout_s = static_cast<long>(cfg.connect_timeout_s);
  d.low_speed_limit = static_cast<long>(cfg.low_speed_limit);
  d.low_speed_time_s = static_cast<long>(cfg.low_speed_time_s);
  d.source_ca_file = cfg.source_ca_file;
  d.proxy_ca_file = cfg.proxy_ca_file;
  d.source_known_hosts = cfg.source_known_hosts;
  if (d.source_known_hosts.empty())
    if (auto* home = std::getenv("HOME"); home != nullptr && *home != 0)
      d.source_known_hosts = std::string{home} + "/.ssh/known_hosts";
  d.source_ssh_key = cfg.source_ssh_key;
  return d;
}

curl_loop::curl_loop(curl_defaults defaults) : defaults_(std::move(defaults)) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  multi_ = curl_multi_init();
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  // Without them the loop could only spin: the start fails, with why.
  if (epoll_ < 0 || wake_ < 0)
    throw std::system_error(errno, std::generic_category(),
                            "the curl loop cannot make its epoll set");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  disk_ = std::make_unique<disk_pool>(disk_threads);
  thread_ = std::thread{[this] {
    pthread_setname_np(pthread_self(), "sky.curl");
    run();
  }};
}

curl_loop::~curl_loop() {
  shutdown();
  curl_multi_cleanup(multi_);
  close(wake_);
  close(epoll_);
}

void curl_loop::wake() {
  uint64_t one = 1;
  // A full counter (never in practice) still wakes the loop.
  [[maybe_unused]] auto n = ::write(wake_, &one, sizeof(one));
}

int curl_loop::on_socket(CURL*, curl_socket_t s, int what, void* self,
                         void* socketp) {
  auto& loop = *static_cast<curl_loop*>(self);
  if (what == CURL_POLL_REMOVE) {
    // curl says so before it closes the socket.
    epoll_ctl(loop.epoll_, EPOLL_CTL_DEL, s, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.data.fd = s;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
    ev.events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
    ev.events |= EPOLLOUT;
  if (socketp != nullptr
      && epoll_ctl(loop.epoll_, EPOLL_CTL_MOD, s, &ev) == 0)
    return 0;
  // New to the set, or a number curl reuses for a socket it opened after
  // closing the last one under it (the close took it out of the set).
  if (epoll_ctl(loop.epoll_, EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST)
    epoll_ctl(loop.epoll_, EPOLL_CTL_MOD, s, &ev);
  curl_multi_assign(loop.multi_, s, &in_epoll);
  return 0;
}

int curl_loop::on_timer(CURLM*, long timeout_ms, void* self) {
  auto& loop = *static_cast<curl_loop*>(self);
  if (timeout_ms < 0)
    loop.due_.reset();
  else
    loop.due_ = std::chrono::steady_clock::now()
                + std::chrono::milliseconds(timeout_ms);
  return 0;
}

bool curl_loop::post(std::function<void(curl_loop&)> fn) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopped_)
      return false;
    commands_.push_back(std::move(fn));
  }
  wake();
  return true;
}

bool curl_loop::submit(std::unique_ptr<curl_job> job) {
  // std::function needs a copyable callable: the job rides in a shared_ptr.
  auto holder = std::make_shared<std::unique_ptr<curl_job>>(std::move(job));
  return post([holder](curl_loop& loop) { loop.add(std::move(*holder)); });
}

void curl_loop::add(std::unique_ptr<curl_job> job) {
  // Queued before a drop of its group: it goes without a word.
  if (!live(*job))
    return;
  auto* easy = curl_easy_init();
  if (easy == nullptr)
    return;
  apply_defaults(easy, *job);
  if (!job->prepare(easy)) {
    // Its owner still hears how it ended, so nothing waits for it.
    job->finished(easy, CURLE_FAILED_INIT);
    curl_easy_cleanup(easy);
    return;
  }
  curl_multi_add_handle(multi_, easy);
  if (job->quick_ticks)
    quick_.emplace(easy, job.get());
  jobs_.emplace(easy, std::move(job));
}

void curl_loop::remove(curl_job* job) {
  for (auto& kvp : jobs_)
    if (kvp.second.get() == job) {
      erase(kvp.first);
      return;
    }
}

void curl_loop::drop(const void* group) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopped_)
      return;
    // Marked before the command is queued: the loop stops calling the
    // group's jobs from now on, not only once the command runs.
    ++dropping_[group];
    ++dropping_count_;
    commands_.push_back([group](curl_loop& loop) {
      std::vector<CURL*> gone;
      for (auto& kvp : loop.jobs_)
        if (kvp.second->group == group)
          gone.push_back(kvp.first);
      for (auto* easy : gone)
        loop.erase(easy);
      for (auto i = loop.steps_.begin(); i != loop.steps_.end();)
        i = i->second == group ? loop.steps_.erase(i) : std::next(i);
      std::lock_guard<std::mutex> guard{loop.mtx_};
      if (auto i = loop.dropping_.find(group); --i->second == 0)
        loop.dropping_.erase(i);
      --loop.dropping_count_;
    });
  }
  wake();
}

bool curl_loop::live(const curl_job& job) {
  return live(job.group);
}

bool curl_loop::live(const void* group) {
  if (dropping_count_ == 0)
    return true;
  std::lock_guard<std::mutex> guard{mtx_};
  return dropping_.count(group) == 0;
}

void curl_loop::off_loop(const void* group,
                         std::function<std::function<void()>()> work) {
  auto id = ++next_step_;
  steps_.emplace(id, group);
  disk_->submit([this, id, group, work = std::move(work)] {
    if (quit_)
      return;
    resume(id, group, work());
  });
}

std::function<void(std::function<void()>)>
curl_loop::await(const void* group) {
  auto id = ++next_step_;
  steps_.emplace(id, group);
  return [this, id, group](std::function<void()> then) {
    resume(id, group, std::move(then));
  };
}

void curl_loop::resume(uint64_t id, const void* group,
                       std::function<void()> then) {
  // Dropped here when the loop stopped meanwhile, with what it captured.
  post([id, group, then = std::move(then)](curl_loop& loop) {
    if (loop.steps_.erase(id) == 0 || !loop.live(group))
      return;
    if (then)
      then();
  });
}

void curl_loop::shutdown() {
  if (quit_.exchange(true))
    return;
  wake();
  if (thread_.joinable())
    thread_.join();
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopped_ = true;
  }
  // The blocking steps end first: queued ones are skipped, and what a
  // running one posts back is refused.
  disk_.reset();
  // The thread is gone: what it left queued runs here.
  run_commands();
  std::vector<CURL*> all;
  for (auto& kvp : jobs_)
    all.push_back(kvp.first);
  for (auto* easy : all)
    erase(easy);
}

void curl_loop::run() {
  std::array<epoll_event, max_events> events;
  while (!quit_) {
    run_commands();
    auto n = epoll_wait(epoll_, events.data(), max_events, wait_ms());
    act(events.data(), n > 0 ? n : 0);
    read_done();
    tick_jobs();
  }
}

int curl_loop::wait_ms() const {
  using namespace std::chrono;
  auto now = steady_clock::now();
  auto until = now + milliseconds(poll_timeout_ms);
  if (due_ && *due_ < until)
    until = *due_;
  if (!jobs_.empty() && next_ticks_ < until)
    until = next_ticks_;
  if (!quick_.empty() && next_quick_ticks_ < until)
    until = next_quick_ticks_;
  if (until <= now)
    return 0;
  // Rounded up: waking a little early would only spin.
  return static_cast<int>(
    duration_cast<milliseconds>(until - now + microseconds(999)).count());
}

void curl_loop::act(const epoll_event* events, int n) {
  int running = 0;
  for (int i = 0; i < n; ++i) {
    auto& ev = events[i];
    if (ev.data.fd == wake_) {
      uint64_t count = 0;
      [[maybe_unused]] auto got = ::read(wake_, &count, sizeof(count));
      continue;
    }
    int mask = 0;
    if (ev.events & EPOLLIN)
      mask |= CURL_CSELECT_IN;
    if (ev.events & EPOLLOUT)
      mask |= CURL_CSELECT_OUT;
    if (ev.events & (EPOLLERR | EPOLLHUP))
      mask |= CURL_CSELECT_ERR;
    curl_multi_socket_action(multi_, ev.data.fd, mask, &running);
  }
  if (due_ && *due_ <= std::chrono::steady_clock::now()) {
    due_.reset();
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  }
}

void curl_loop::read_done() {
  int left = 0;
  while (auto* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    auto* easy = msg->easy_handle;
    auto code = msg->data.result;
    auto i = jobs_.find(easy);
    if (i == jobs_.end())
      continue;
    // Out of the map first: `finished` may add the next job.
    auto job = std::move(i->second);
    jobs_.erase(i);
    quick_.erase(easy);
    curl_multi_remove_handle(multi_, easy);
    if (live(*job))
      job->finished(easy, code);
    curl_easy_cleanup(easy);
  }
}

void curl_loop::tick_jobs() {
  auto now = std::chrono::steady_clock::now();
  if (now >= next_ticks_) {
    next_ticks_ = now + tick_every;
    next_quick_ticks_ = now + quick_tick_every;
    for (auto& kvp : jobs_)
      if (live(*kvp.second))
        kvp.second->tick(now);
  } else if (now >= next_quick_ticks_) {
    next_quick_ticks_ = now + quick_tick_every;
    for (auto& kvp : quick_)
      if (live(*kvp.second))
        kvp.second->tick(now);
  }
}

void curl_loop::run_commands() {
  std::deque<std::function<void(curl_loop&)>> cmds;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    cmds.swap(commands_);
  }
  for (auto& cmd : cmds)
    cmd(*this);
}

void curl_loop::apply_defaults(CURL* e, curl_job& job) {
  job.loop_policy_ = &defaults_.policy;
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job.errbuf_);
  curl_easy_setopt(e, CURLOPT_USERAGENT, defaults_.user_agent.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // Redirects are the job's choice; off unless it says so.
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_PROXY, defaults_.proxy.c_str());
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  // CURLOPT_CAINFO replaces the bundle file only: the CA path (the system
  // store, /etc/ssl/certs) stays, so a private CA is trusted besides the
  // public ones. Jobs with a CA option of their own (pushes, replicas)
  // set it over this one.
  if (!defaults_.source_ca_file.empty())
    curl_easy_setopt(e, CURLOPT_CAINFO, defaults_.source_ca_file.c_str());
  if (!defaults_.proxy_ca_file.empty())
    curl_easy_setopt(e, CURLOPT_PROXY_CAINFO, defaults_.proxy_ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, defaults_.connect_timeout_s);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, defaults_.low_speed_limit);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, defaults_.low_speed_time_s);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &job);
}

void curl_loop::erase(CURL* easy) {
  auto i = jobs_.find(easy);
  if (i == jobs_.end())
    return;
  auto job = std::move(i->second);
  jobs_.erase(i);
  quick_.erase(easy);
  curl_multi_remove_handle(multi_, easy);
  curl_easy_cleanup(easy);
}

} // namespace skyhaul
