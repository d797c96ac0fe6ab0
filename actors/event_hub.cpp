#include "actors/event_hub.hpp"

#include "storage/event_table.hpp"
#include "storage/lmdb_env.hpp"

#include <caf/all.hpp>
#include <vector>

namespace skyhaul {

namespace {

struct subscription {
  event_listener_actor to;
  event_filter filter;
  /// The newest id this subscriber has or need not have: what the store
  /// publishes at or below it was in its replay already.
  uint64_t seen = 0;
};

struct event_hub_state {
  static inline const char* name = "event_hub";
  storage::lmdb_env* db = nullptr;
  std::vector<subscription> subs;
};

using hub_ptr = event_hub_actor::stateful_pointer<event_hub_state>;

void drop(hub_ptr self, const caf::actor_addr& who) {
  auto& subs = self->state.subs;
  subs.erase(std::remove_if(subs.begin(), subs.end(),
                            [&](const subscription& s) {
                              return s.to.address() == who;
                            }),
             subs.end());
}

/// Subscribes `to`. The read and the registration happen in one handler of
/// this one actor, and the store publishes only after a commit: an event is
/// either in the snapshot read here or published after this handler, so
/// the replay and the live events meet with no gap; `seen` drops the ones
/// that are in both.
uint64_t watch(hub_ptr self, event_filter& filter, event_listener_actor& to) {
  subscription sub{to, std::move(filter), 0};
  auto t = self->state.db->read();
  auto newest = storage::newest_event_id(t);
  sub.seen = newest;
  if (sub.filter.resume) {
    auto after = sub.filter.after;
    if (after < storage::trimmed_event_id(t) || after > newest) {
      task_event reset;
      reset.type = event_type::reset;
      reset.id = newest;
      reset.owner = sub.filter.user;
      self->send(to, atom::event_v, std::move(reset));
    } else {
      storage::read_events(t, sub.filter.user, after,
                           [&](const task_event& ev) {
                             if (ev.id > newest)
                               return false;
                             if (matches(sub.filter, ev))
                               self->send(to, atom::event_v, ev);
                             return true;
                           });
    }
  }
  self->monitor(to);
  self->state.subs.push_back(std::move(sub));
  return newest;
}

event_hub_actor::behavior_type event_hub(hub_ptr self, storage::lmdb_env* db) {
  self->state.db = db;
  self->set_down_handler(
      [=](const caf::down_msg& msg) { drop(self, msg.source); });
  return {
      [=](atom::watch, event_filter& filter,
          event_listener_actor& to) -> uint64_t {
        return watch(self, filter, to);
      },
      [=](atom::unwatch, event_listener_actor& to) {
        drop(self, to.address());
      },
      [=](atom::publish, std::vector<task_event>& evs) {
        for (auto& sub : self->state.subs)
          for (auto& ev : evs)
            if (ev.id > sub.seen && matches(sub.filter, ev)) {
              self->send(sub.to, atom::event_v, ev);
              sub.seen = ev.id;
            }
      },
  };
}

} // namespace

event_hub_actor spawn_event_hub(caf::actor_system& sys,
                                storage::lmdb_env* db) {
  return sys.spawn<caf::detached>(event_hub, db);
}

} // namespace skyhaul
