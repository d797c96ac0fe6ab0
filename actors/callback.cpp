#include "actors/callback.hpp"

#include "actors/backoff.hpp"
#include "actors/net_policy.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/outbox_table.hpp"
#include "storage/user_table.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <chrono>
#include <curl/curl.h>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

namespace skyhaul {

namespace {

/// Deliveries in flight at once; a slow receiver holds one slot only.
constexpr size_t max_in_flight = 64;

constexpr auto store_timeout = std::chrono::seconds(60);

/// One POST to make.
struct delivery_job {
  uint64_t event = 0;
  task_seq task = 0;
  std::string url;
  std::string body;
  std::string secret;
};

/// One POST in flight.
struct call {
  delivery_job job;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  bool allow_private = false;
  std::string refusal;
  char errbuf[CURL_ERROR_SIZE] = {0};
  int64_t started_ms = 0;
  std::chrono::steady_clock::time_point started;

  ~call() {
    if (easy != nullptr)
      curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
};

size_t discard_cb(char*, size_t size, size_t n, void*) {
  return size * n;
}

curl_socket_t open_socket_cb(void* ud, curlsocktype, curl_sockaddr* addr) {
  auto& c = *static_cast<call*>(ud);
  return open_policy_socket(*addr, c.allow_private, c.refusal);
}

/// The curl multi loop of the callbacks. It runs on a thread of its own
/// because `curl_multi_poll` blocks; the actor only queues jobs and wakes
/// it. Results go back to the actor as `done` messages.
class delivery_loop {
public:
  delivery_loop(caf::weak_actor_ptr owner, const settings& cfg)
      : owner_(std::move(owner)), timeout_ms_(cfg.callback_timeout_ms),
        allow_private_(cfg.allow_private_networks) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    multi_ = curl_multi_init();
    thread_ = std::thread{[this] { run(); }};
  }

  ~delivery_loop() {
    shutdown();
    curl_multi_cleanup(multi_);
  }

  void post(delivery_job job) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      jobs_.push_back(std::move(job));
    }
    curl_multi_wakeup(multi_);
  }

  /// Ends the loop and joins the thread; calls in flight are dropped (their
  /// events stay owed). Idempotent.
  void shutdown() {
    if (quit_.exchange(true))
      return;
    curl_multi_wakeup(multi_);
    if (thread_.joinable())
      thread_.join();
    for (auto& kvp : calls_)
      curl_multi_remove_handle(multi_, kvp.first);
    calls_.clear();
  }

private:
  void run() {
    while (!quit_) {
      std::deque<delivery_job> jobs;
      {
        std::lock_guard<std::mutex> guard{mtx_};
        jobs.swap(jobs_);
      }
      for (auto& job : jobs)
        add(std::move(job));
      int running = 0;
      curl_multi_perform(multi_, &running);
      int left = 0;
      while (auto* msg = curl_multi_info_read(multi_, &left))
        if (msg->msg == CURLMSG_DONE)
          finish(msg->easy_handle, msg->data.result);
      curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
    }
  }

  void add(delivery_job job) {
    auto c = std::make_unique<call>();
    c->job = std::move(job);
    c->allow_private = allow_private_;
    c->started_ms = now_ms();
    c->started = std::chrono::steady_clock::now();
    auto& body = c->job.body;
    for (auto hdr :
         {std::string{"Content-Type: application/json"},
          "X-Skyhaul-Event-Id: " + format_event_id(c->job.event),
          "X-Skyhaul-Signature: "
              + callback_signature(c->job.secret, c->started_ms / 1000, body),
          // No `100 Continue` round trip before the body.
          std::string{"Expect:"}})
      c->headers = curl_slist_append(c->headers, hdr.c_str());
    auto* e = curl_easy_init();
    c->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, c->job.url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, c.get());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "skyhaul-callback/0.1");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    // A redirect could lead past the network policy: never followed, and a
    // 3xx counts as a failed attempt.
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms_));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(timeout_ms_));
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c.get());
    curl_multi_add_handle(multi_, e);
    calls_.emplace(e, std::move(c));
  }

  void finish(CURL* easy, CURLcode code) {
    auto i = calls_.find(easy);
    if (i == calls_.end())
      return;
    auto& c = *i->second;
    delivery_attempt a;
    a.event = c.job.event;
    a.task = c.job.task;
    a.time_ms = c.started_ms;
    a.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - c.started)
                        .count();
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    a.http_status = static_cast<uint32_t>(status);
    auto retryable = true;
    if (!c.refusal.empty()) {
      a.error = c.refusal;
      retryable = false;
    } else if (code != CURLE_OK) {
      a.error = c.errbuf[0] != 0 ? c.errbuf : curl_easy_strerror(code);
      retryable
          = code != CURLE_UNSUPPORTED_PROTOCOL && code != CURLE_URL_MALFORMAT;
    } else if (status < 200 || status >= 300) {
      a.error = "the receiver answered HTTP " + std::to_string(status);
    }
    curl_multi_remove_handle(multi_, easy);
    calls_.erase(i);
    if (auto owner = owner_.lock())
      caf::anon_send(caf::actor_cast<callback_actor>(owner), atom::done_v,
                     std::move(a), retryable);
  }

  caf::weak_actor_ptr owner_;
  uint32_t timeout_ms_;
  bool allow_private_;
  CURLM* multi_ = nullptr;
  std::mutex mtx_;
  std::deque<delivery_job> jobs_;
  std::atomic<bool> quit_{false};
  std::unordered_map<CURL*, std::unique_ptr<call>> calls_;
  std::thread thread_;
};

struct owed_event {
  callback_event ev;
  bool in_flight = false;
};

struct callback_state {
  static inline const char* name = "callback";
  const settings* cfg = nullptr;
  storage::lmdb_env* db = nullptr;
  store_actor store;
  std::shared_ptr<delivery_loop> loop;
  std::unordered_map<uint64_t, owed_event> events;
  /// (next_ms, id) of the owed events that are not in flight.
  std::set<std::pair<int64_t, uint64_t>> due;
  size_t in_flight = 0;
  /// When the earliest pending tick fires.
  int64_t tick_at = std::numeric_limits<int64_t>::max();
};

using cb_ptr = callback_actor::stateful_pointer<callback_state>;

/// Takes an owed event in; a known one is replaced only by a newer round
/// (a redeliver), keeping its call in flight.
void add(cb_ptr self, callback_event ev) {
  auto& st = self->state;
  auto i = st.events.find(ev.id);
  if (i != st.events.end()) {
    auto& o = i->second;
    if (o.ev.round == ev.round)
      return;
    if (!o.in_flight) {
      st.due.erase({o.ev.next_ms, ev.id});
      st.due.emplace(ev.next_ms, ev.id);
    }
    o.ev = std::move(ev);
    return;
  }
  st.due.emplace(ev.next_ms, ev.id);
  st.events.emplace(ev.id, owed_event{std::move(ev), false});
}

void start(cb_ptr self, owed_event& o) {
  auto& st = self->state;
  o.in_flight = true;
  ++st.in_flight;
  std::optional<user_record> owner;
  {
    auto t = st.db->read();
    owner = storage::get_user(t, o.ev.owner);
  }
  if (!owner) {
    delivery_attempt a;
    a.event = o.ev.id;
    a.task = o.ev.task;
    a.time_ms = now_ms();
    a.error = "the task's owner no longer exists";
    self->send(self, atom::done_v, std::move(a), false);
    return;
  }
  delivery_job job;
  job.event = o.ev.id;
  job.task = o.ev.task;
  job.url = o.ev.url;
  job.body = o.ev.body;
  job.secret = owner->callback_secret;
  st.loop->post(std::move(job));
}

/// Starts every due event a free slot allows, then sets a timer for the
/// next one.
void dispatch(cb_ptr self) {
  auto& st = self->state;
  auto now = now_ms();
  while (st.in_flight < max_in_flight && !st.due.empty()
         && st.due.begin()->first <= now) {
    auto id = st.due.begin()->second;
    st.due.erase(st.due.begin());
    start(self, st.events.at(id));
  }
  // With every slot taken, the next `done` dispatches again.
  if (st.due.empty() || st.in_flight >= max_in_flight)
    return;
  auto next = st.due.begin()->first;
  if (next < st.tick_at) {
    st.tick_at = next;
    self->delayed_send(self, std::chrono::milliseconds(next - now),
                       caf::tick_atom_v);
  }
}

/// Books an ended attempt: delivered, given up, or due again after the
/// backoff; the store logs it and keeps the outbox in step.
void settle(cb_ptr self, delivery_attempt& a, bool retryable) {
  auto& st = self->state;
  auto& cfg = *st.cfg;
  auto i = st.events.find(a.event);
  if (i == st.events.end() || !i->second.in_flight)
    return;
  auto& o = i->second;
  o.in_flight = false;
  --st.in_flight;
  auto& ev = o.ev;
  ++ev.tries;
  auto now = now_ms();
  auto window_end = ev.window_start_ms + int64_t{cfg.callback_window_s} * 1000;
  if (a.error.empty()) {
    ev.state = delivery_state::delivered;
  } else if (!retryable || ev.tries >= cfg.callback_max_tries
             || now >= window_end) {
    ev.state = delivery_state::failed;
  } else {
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(
        callback_retry_delay(cfg, ev.tries));
    ev.next_ms = std::min(now + delay.count(), window_end);
    st.due.emplace(ev.next_ms, ev.id);
  }
  // A lost write leaves the event owed as it was: delivered again later,
  // never dropped.
  self->request(st.store, store_timeout, caf::put_atom_v, a, ev)
      .then([](caf::ok_atom) {}, [](caf::error&) {});
  if (ev.state != delivery_state::pending)
    st.events.erase(i);
}

callback_actor::behavior_type callback(cb_ptr self, const settings* cfg,
                                       storage::lmdb_env* db,
                                       store_actor store) {
  auto& st = self->state;
  st.cfg = cfg;
  st.db = db;
  st.store = std::move(store);
  auto loop = std::make_shared<delivery_loop>(
      caf::actor_cast<caf::weak_actor_ptr>(self), *cfg);
  st.loop = loop;
  // The loop thread must end with the actor, whatever ends the actor.
  self->attach_functor([loop] { loop->shutdown(); });
  std::vector<callback_event> owed;
  {
    auto t = db->read();
    owed = storage::owed_events(t);
  }
  for (auto& ev : owed)
    add(self, std::move(ev));
  dispatch(self);
  return {
      [=](atom::wake, uint64_t id) {
        std::optional<callback_event> ev;
        {
          auto t = self->state.db->read();
          ev = storage::get_owed(t, id);
        }
        if (ev)
          add(self, std::move(*ev));
        dispatch(self);
      },
      [=](atom::done, delivery_attempt& a, bool retryable) {
        settle(self, a, retryable);
        dispatch(self);
      },
      [=](caf::tick_atom) {
        self->state.tick_at = std::numeric_limits<int64_t>::max();
        dispatch(self);
      },
  };
}

} // namespace

callback_actor spawn_callback(caf::actor_system& sys, const settings* cfg,
                              storage::lmdb_env* db, store_actor store) {
  return sys.spawn(callback, cfg, db, std::move(store));
}

std::string callback_signature(const std::string& secret, int64_t unix_s,
                               const std::string& body) {
  auto t = std::to_string(unix_s);
  return "t=" + t + ",v1=" + storage::hmac_sha256_hex(secret, t + "." + body);
}

caf::timespan callback_retry_delay(const settings& cfg, uint32_t tries) {
  return backoff_delay(cfg.callback_retry_base_ms, cfg.callback_retry_max_ms,
                       tries);
}

} // namespace skyhaul
