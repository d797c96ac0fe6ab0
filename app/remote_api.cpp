#include "app/remote_api.hpp"

#include "http/task_batch.hpp"
#include "http/task_body.hpp"
#include "http/validate.hpp"
#include "protocol/error.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <optional>
#include <vector>

namespace skyhaul {

namespace {

/// Longer api keys are refused before any hashing.
constexpr size_t max_key_length = 256;
/// Most tasks one subscription may name, and the largest page of a list.
constexpr size_t max_watched_tids = 1000;
constexpr uint32_t max_page = 1000;

/// One remote subscription: whose it is, the remote listener, and the
/// relay the event hub sends to.
struct subscription {
  user_id owner = 0;
  caf::actor_addr listener;
  event_listener_actor relay;
};

struct remote_api_state {
  static inline const char* name = "remote_api";
  remote_api_deps deps;
  std::vector<subscription> subs;
};

using api_ptr = remote_api_actor::stateful_pointer<remote_api_state>;

caf::error unauthenticated() {
  return make_error(ec::unauthenticated, "missing or invalid api key");
}

caf::error bad(std::string msg) {
  return make_error(ec::invalid_argument, std::move(msg));
}

/// The user an api key belongs to: hashed and compared in constant time
/// (storage/user_table), read on the spot so a changed key counts at once.
std::optional<user_id> caller(api_ptr self, const std::string& key) {
  if (key.empty() || key.size() > max_key_length)
    return std::nullopt;
  auto t = self->state.deps.db->read();
  auto user = storage::find_user_by_api_key(t, key);
  // User 0 is the trusted internal caller: never a remote one.
  if (!user || user->id == 0)
    return std::nullopt;
  return user->id;
}

/// What the Task API would accept, and nothing it does not offer.
caf::error check_spec(task_spec& spec, user_id uid, const settings& cfg) {
  if (spec.remote_account != 0 || !spec.remote_folder.empty())
    return bad("remote accounts are the Offcloud face's: remote_account and "
               "remote_folder must stay empty");
  if (!spec.acl.grants.empty())
    return bad("ACL grants are not offered here: use a canned acl");
  if (static_cast<uint8_t>(spec.rule)
      > static_cast<uint8_t>(on_key_exist::ignore_same_size))
    return bad("unknown on_key_exist rule");
  if (spec.size < -1)
    return bad("size must be -1 (not checked) or a byte count");
  if (spec.urls.size() > http::max_mirrors)
    return bad("at most " + std::to_string(http::max_mirrors) + " urls");
  if (spec.connections > http::max_connections)
    return bad("connections must be 0 (the default) to "
               + std::to_string(http::max_connections));
  spec.origin = face::task_api;
  return http::check_task_spec(spec, uid, cfg.bt_max_torrent_size);
}

/// Asks `dest` and answers the remote caller with its reply or error, so
/// the reply comes from this actor, not from `dest`.
template <class Reply, class Dest, class... Ts>
caf::typed_response_promise<Reply> ask(api_ptr self, const Dest& dest,
                                       Ts&&... xs) {
  auto rp = self->template make_response_promise<Reply>();
  auto timeout = std::chrono::milliseconds(
    std::max<uint32_t>(self->state.deps.cfg->request_timeout_ms, 1000));
  self->request(dest, timeout, std::forward<Ts>(xs)...)
    .then([rp](Reply x) mutable { rp.deliver(std::move(x)); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// Answers `err` at once.
template <class Reply>
caf::typed_response_promise<Reply> refuse(api_ptr self, caf::error err) {
  auto rp = self->template make_response_promise<Reply>();
  rp.deliver(std::move(err));
  return rp;
}

/// Passes the hub's events for one subscription on to the remote listener.
/// It takes events from the hub only (the hub never talks to the remote
/// side, so nothing there can pose as it), and goes when the listener or
/// the hub does, or when the remote interface ends.
event_listener_actor::behavior_type
relay(event_listener_actor::pointer self, event_hub_actor hub,
      event_listener_actor to) {
  self->monitor(to);
  self->monitor(hub);
  self->set_down_handler([self](const caf::down_msg&) { self->quit(); });
  auto hub_addr = hub.address();
  return {
    [=](atom::event, task_event& ev) {
      if (caf::actor_cast<caf::actor_addr>(self->current_sender()) != hub_addr)
        return;
      self->send(to, atom::event_v, std::move(ev));
    },
  };
}

caf::typed_response_promise<uint64_t> watch(api_ptr self, user_id uid,
                                            event_filter& filter,
                                            event_listener_actor& to) {
  if (!to)
    return refuse<uint64_t>(self, bad("no listener"));
  if (filter.tids.size() > max_watched_tids)
    return refuse<uint64_t>(self, bad("at most "
                                      + std::to_string(max_watched_tids)
                                      + " tasks per subscription"));
  auto& subs = self->state.subs;
  auto held = std::count_if(subs.begin(), subs.end(),
                            [&](const subscription& s) {
                              return s.owner == uid;
                            });
  if (static_cast<size_t>(held) >= max_remote_subscriptions)
    return refuse<uint64_t>(
      self, make_error(ec::quota_exceeded,
                       "at most "
                         + std::to_string(max_remote_subscriptions)
                         + " subscriptions per user"));
  // Only the caller's own events, whatever the filter said.
  filter.user = uid;
  auto r = self->template spawn<caf::linked>(relay, self->state.deps.events,
                                             to);
  self->monitor(r);
  subs.push_back(subscription{uid, to.address(), r});
  auto rp = self->template make_response_promise<uint64_t>();
  self->request(self->state.deps.events, std::chrono::seconds(30),
                atom::watch_v, std::move(filter), r)
    .then([rp](uint64_t newest) mutable { rp.deliver(newest); },
          [self, rp, r](caf::error& err) mutable {
            // No subscription: its relay goes too.
            self->send_exit(r, caf::exit_reason::user_shutdown);
            rp.deliver(std::move(err));
          });
  return rp;
}

remote_api_actor::behavior_type remote_api(api_ptr self,
                                           remote_api_deps deps) {
  self->state.deps = std::move(deps);
  // Relays that end leave the books; exits (a relay's, or one sent from
  // the other side) do not end this actor: only a kill does.
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& subs = self->state.subs;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const subscription& s) {
                                return s.relay.address() == msg.source;
                              }),
               subs.end());
  });
  self->set_exit_handler([](const caf::exit_msg&) {});
  auto sched = self->state.deps.scheduler;
  return {
    [=](atom::create, const std::string& key, task_spec& spec) {
      auto uid = caller(self, key);
      if (!uid)
        return refuse<task_seq>(self, unauthenticated());
      if (auto err = check_spec(spec, *uid, *self->state.deps.cfg))
        return refuse<task_seq>(self, std::move(err));
      return ask<task_seq>(self, sched, atom::create_v, *uid, std::move(spec));
    },
    [=](atom::create, const std::string& key, std::vector<task_spec>& specs) {
      using reply = std::vector<task_seq>;
      auto uid = caller(self, key);
      if (!uid)
        return refuse<reply>(self, unauthenticated());
      if (specs.empty() || specs.size() > http::max_batch_create)
        return refuse<reply>(self,
                             bad("a batch has 1 to "
                                 + std::to_string(http::max_batch_create)
                                 + " tasks"));
      for (size_t i = 0; i < specs.size(); ++i)
        if (auto err = check_spec(specs[i], *uid, *self->state.deps.cfg))
          return refuse<reply>(self,
                               make_error(code_of(err),
                                          "task " + std::to_string(i) + ": "
                                            + message_of(err)));
      return ask<reply>(self, sched, atom::create_v, *uid, std::move(specs));
    },
    [=](atom::pause, const std::string& key, task_seq seq) {
      auto uid = caller(self, key);
      if (!uid)
        return refuse<caf::ok_atom>(self, unauthenticated());
      return ask<caf::ok_atom>(self, sched, atom::pause_v, *uid, seq);
    },
    [=](atom::resume, const std::string& key, task_seq seq) {
      auto uid = caller(self, key);
      if (!uid)
        return refuse<caf::ok_atom>(self, unauthenticated());
      return ask<caf::ok_atom>(self, sched, atom::resume_v, *uid, seq);
    },
    [=](atom::cancel, const std::string& key, task_seq seq) {
      auto uid = caller(self, key);
      if (!uid)
        return refuse<caf::ok_atom>(self, unauthenticated());
      return ask<caf::ok_atom>(self, sched, atom::cancel_v, *uid, seq);
    },
    [=](atom::remove, const std::string& key, task_seq seq, bool data) {
      auto uid = caller(self, key);
      if (!uid)
        return refuse<caf::ok_atom>(self, unauthenticated());
      return ask<caf::ok_atom>(self, sched, atom::remove_v, *uid, seq, data);
    },
    [=](atom::status, const std::string& key, task_seq seq) {
      auto uid = caller(self, key);
      if (!uid)
        return refuse<task_status>(self, unauthenticated());
      return ask<task_status>(self, sched, atom::status_v, *uid, seq);
    },
    [=](atom::list, const std::string& key, task_query& q) {
      auto uid = caller(self, key);
      if (!uid)
        return refuse<task_page>(self, unauthenticated());
      if (q.state != task_query::any_state && q.state >= num_task_states)
        return refuse<task_page>(self, bad("unknown task state"));
      if (q.limit < 1 || q.limit > max_page)
        return refuse<task_page>(self, bad("limit must be 1-"
                                           + std::to_string(max_page)));
      return ask<task_page>(self, sched, atom::list_v, *uid, q);
    },
    [=](atom::counters, const std::string& key) {
      auto uid = caller(self, key);
      if (!uid)
        return refuse<state_counters>(self, unauthenticated());
      return ask<state_counters>(self, sched, atom::counters_v, *uid);
    },
    [=](atom::watch, const std::string& key, event_filter& filter,
        event_listener_actor& to) {
      auto uid = caller(self, key);
      if (!uid)
        return refuse<uint64_t>(self, unauthenticated());
      return watch(self, *uid, filter, to);
    },
    [=](atom::unwatch, const std::string& key, event_listener_actor& to) {
      auto rp = self->template make_response_promise<caf::ok_atom>();
      auto uid = caller(self, key);
      if (!uid) {
        rp.deliver(unauthenticated());
        return rp;
      }
      // The relays end; the hub and this actor see them go.
      for (auto& s : self->state.subs)
        if (s.owner == *uid && s.listener == to.address())
          self->send_exit(s.relay, caf::exit_reason::user_shutdown);
      rp.deliver(caf::ok_atom_v);
      return rp;
    },
  };
}

} // namespace

remote_api_actor spawn_remote_api(caf::actor_system& sys,
                                  remote_api_deps deps) {
  return sys.spawn(remote_api, std::move(deps));
}

} // namespace skyhaul
