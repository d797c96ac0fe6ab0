#include "actors/callback.hpp"

#include "actors/backoff.hpp"
#include "actors/curl_loop.hpp"
#include "actors/timeouts.hpp"
#include "base/crypto.hpp"
#include "base/metrics.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/outbox_table.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <curl/curl.h>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>

namespace skyhaul {

namespace {

/// Deliveries in flight at once; a slow receiver holds one slot only.
constexpr size_t max_in_flight = 64;

/// One POST to make.
struct delivery_job {
  uint64_t event = 0;
  task_seq task = 0;
  std::string url;
  std::string body;
  std::string secret;
};

size_t discard_cb(char*, size_t size, size_t n, void*) {
  return size * n;
}

/// One POST in flight, a job on the curl loop. Its result goes back to the
/// callback actor as a `done` message.
class delivery_call : public curl_job {
public:
  delivery_call(delivery_job job, caf::weak_actor_ptr owner,
                uint32_t timeout_ms)
      : job_(std::move(job)), owner_(std::move(owner)),
        timeout_ms_(timeout_ms) {
  }

  ~delivery_call() override {
    curl_slist_free_all(headers_);
  }

  bool prepare(CURL* e) override {
    started_ms_ = now_ms();
    started_ = std::chrono::steady_clock::now();
    auto& body = job_.body;
    for (auto hdr :
         {std::string{"Content-Type: application/json"},
          "X-Skyhaul-Event-Id: " + format_event_id(job_.event),
          "X-Skyhaul-Signature: "
              + callback_signature(job_.secret, started_ms_ / 1000, body),
          // No `100 Continue` round trip before the body.
          std::string{"Expect:"}})
      headers_ = curl_slist_append(headers_, hdr.c_str());
    curl_easy_setopt(e, CURLOPT_URL, job_.url.c_str());
    // A redirect could lead past the network policy: never followed (the
    // loop's default), and a 3xx counts as a failed attempt.
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms_));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(timeout_ms_));
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
    return true;
  }

  void finished(CURL* easy, CURLcode code) override {
    delivery_attempt a;
    a.event = job_.event;
    a.task = job_.task;
    a.time_ms = started_ms_;
    a.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started_)
                        .count();
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    a.http_status = static_cast<uint32_t>(status);
    auto retryable = true;
    if (code != CURLE_OK && !refusal().empty()) {
      a.error = refusal();
      retryable = false;
    } else if (code != CURLE_OK) {
      a.error = error_text()[0] != 0 ? error_text() : curl_easy_strerror(code);
      retryable
          = code != CURLE_UNSUPPORTED_PROTOCOL && code != CURLE_URL_MALFORMAT;
    } else if (status < 200 || status >= 300) {
      a.error = "the receiver answered HTTP " + std::to_string(status);
    }
    if (auto owner = owner_.lock())
      caf::anon_send(caf::actor_cast<callback_actor>(owner), atom::done_v,
                     std::move(a), retryable);
  }

private:
  delivery_job job_;
  caf::weak_actor_ptr owner_;
  uint32_t timeout_ms_;
  curl_slist* headers_ = nullptr;
  int64_t started_ms_ = 0;
  std::chrono::steady_clock::time_point started_;
  base::metrics::active_transfer active_{base::metrics::transfer::callback};
};

struct owed_event {
  callback_event ev;
  bool in_flight = false;
  /// The round of the attempt in flight: a redeliver during the attempt
  /// starts a new round, which that attempt does not count for.
  uint32_t flight_round = 0;
};

struct callback_state {
  static inline const char* name = "callback";
  const settings* cfg = nullptr;
  storage::lmdb_env* db = nullptr;
  store_actor store;
  std::shared_ptr<curl_loop> loop;
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
  o.flight_round = o.ev.round;
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
  auto call = std::make_unique<delivery_call>(
      std::move(job), caf::actor_cast<caf::weak_actor_ptr>(self),
      st.cfg->callback_timeout_ms);
  call->group = self;
  st.loop->submit(std::move(call));
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

/// The outcome label of an attempt that left its event in `s`.
base::metrics::delivery outcome_of(delivery_state s) {
  using base::metrics::delivery;
  return s == delivery_state::delivered ? delivery::delivered
         : s == delivery_state::failed  ? delivery::failed
                                        : delivery::retry;
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
  if (o.flight_round != ev.round) {
    // Redelivered while this attempt ran: the attempt is logged, and the
    // new round makes its own delivery, whatever this one's outcome.
    st.due.emplace(ev.next_ms, ev.id);
    self->request(st.store, store_timeout, caf::put_atom_v, a, ev)
        .then([](caf::ok_atom) {}, [](caf::error&) {});
    return;
  }
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
  base::metrics::global().callback_attempt(outcome_of(ev.state));
  // A lost write leaves the event owed as it was: delivered again later,
  // never dropped.
  self->request(st.store, store_timeout, caf::put_atom_v, a, ev)
      .then([](caf::ok_atom) {}, [](caf::error&) {});
  if (ev.state != delivery_state::pending)
    st.events.erase(i);
}

callback_actor::behavior_type callback(cb_ptr self, const settings* cfg,
                                       storage::lmdb_env* db, store_actor store,
                                       std::shared_ptr<curl_loop> loop) {
  auto& st = self->state;
  st.cfg = cfg;
  st.db = db;
  st.store = std::move(store);
  st.loop = loop;
  // Deliveries in flight end with the actor, whatever ends the actor: their
  // events stay owed.
  const void* group = self;
  self->attach_functor([loop, group] { loop->drop(group); });
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
                              storage::lmdb_env* db, store_actor store,
                              std::shared_ptr<curl_loop> loop) {
  return sys.spawn(callback, cfg, db, std::move(store), std::move(loop));
}

std::string callback_signature(const std::string& secret, int64_t unix_s,
                               const std::string& body) {
  auto t = std::to_string(unix_s);
  return "t=" + t + ",v1=" + hmac_sha256_hex(secret, t + "." + body);
}

caf::timespan callback_retry_delay(const settings& cfg, uint32_t tries) {
  return backoff_delay(cfg.callback_retry_base_ms, cfg.callback_retry_max_ms,
                       tries);
}

} // namespace skyhaul
