#define BOOST_TEST_MODULE event_hub
#include <boost/test/unit_test.hpp>

// The event subscription of protocol/actors.hpp as a C++ program uses it:
// a typed listener subscribed at the hub gets the events the store commits,
// a resume replays the log first, and unsubscribing ends it.

#include <caf/all.hpp>

#include "actors/event_hub.hpp"
#include "actors/store.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "tests/support/scratch.hpp"

using namespace skyhaul;

namespace {

/// Forwards every event to `sink`, a blocking test actor.
event_listener_actor::behavior_type forwarder(event_listener_actor::pointer,
                                              caf::actor sink) {
  return {
    [=](atom::event, task_event& ev) {
      caf::anon_send(sink, std::move(ev));
    },
  };
}

struct fixture {
  test::scratch dir{"skyhaul-hub"};
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<storage::lmdb_env> db;
  std::unique_ptr<storage::blob_store> blobs;
  store_actor store;
  event_hub_actor hub;
  std::vector<caf::actor> listeners;

  fixture() {
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    db = std::make_unique<storage::lmdb_env>(dir.dir + "/db", 64 << 20);
    blobs = std::make_unique<storage::blob_store>(dir.dir);
    store = spawn_store(*sys, db.get(), blobs.get());
    hub = spawn_event_hub(*sys, db.get());
    caf::anon_send(store, atom::notify_v, hub, uint64_t{1000},
                   int64_t{3600000});
  }

  ~fixture() {
    caf::scoped_actor self{*sys};
    listeners.push_back(caf::actor_cast<caf::actor>(store));
    listeners.push_back(caf::actor_cast<caf::actor>(hub));
    for (auto& a : listeners) {
      self->send_exit(a, caf::exit_reason::user_shutdown);
      self->wait_for(a);
    }
  }

  void put(caf::scoped_actor& self, task_record rec) {
    self->request(store, std::chrono::seconds(10), caf::put_atom_v, rec)
      .receive([](caf::ok_atom) {},
               [](caf::error& e) { BOOST_FAIL(caf::to_string(e)); });
  }

  event_listener_actor subscribe(caf::scoped_actor& self, event_filter f) {
    auto l = sys->spawn(forwarder, caf::actor_cast<caf::actor>(self));
    listeners.push_back(caf::actor_cast<caf::actor>(l));
    self->request(hub, std::chrono::seconds(10), atom::watch_v, f, l)
      .receive([](uint64_t) {},
               [](caf::error& e) { BOOST_FAIL(caf::to_string(e)); });
    return l;
  }

  /// The next event the forwarders sent, within a bound.
  task_event next(caf::scoped_actor& self) {
    task_event out;
    self->receive([&](task_event& ev) { out = std::move(ev); },
                  caf::after(std::chrono::seconds(10)) >>
                    [] { BOOST_FAIL("no event"); });
    return out;
  }
};

task_record task(task_seq seq, user_id owner, task_state s) {
  task_record rec;
  rec.seq = seq;
  rec.owner = owner;
  rec.state = s;
  rec.spec.url = "http://origin/" + std::to_string(seq);
  return rec;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(hub, fixture)

BOOST_AUTO_TEST_CASE(a_task_subscription_gets_that_tasks_events_only) {
  caf::scoped_actor self{*sys};
  event_filter f;
  f.tids = {2};
  subscribe(self, f);
  put(self, task(1, 7, task_state::waiting));
  put(self, task(2, 8, task_state::waiting));
  put(self, task(2, 8, task_state::downloading));
  auto a = next(self);
  BOOST_CHECK(a.type == event_type::task_created);
  BOOST_CHECK_EQUAL(a.tid, 2u);
  BOOST_CHECK_EQUAL(a.id, 2u);
  auto b = next(self);
  BOOST_CHECK(b.type == event_type::task_state);
  BOOST_CHECK(b.state == task_state::downloading);
  BOOST_CHECK_EQUAL(b.id, 3u);
}

BOOST_AUTO_TEST_CASE(a_resume_replays_then_goes_live_and_unwatch_ends_it) {
  caf::scoped_actor self{*sys};
  put(self, task(1, 7, task_state::waiting));
  put(self, task(2, 9, task_state::waiting));
  put(self, task(1, 7, task_state::paused));
  event_filter f;
  f.user = 7;
  f.resume = true;
  f.after = 1;
  auto l = subscribe(self, f);
  auto replayed = next(self);
  BOOST_CHECK_EQUAL(replayed.id, 3u);
  BOOST_CHECK(replayed.previous == task_state::waiting);
  put(self, task(1, 7, task_state::waiting));
  BOOST_CHECK_EQUAL(next(self).id, 4u);
  self->send(hub, atom::unwatch_v, l);
  put(self, task(1, 7, task_state::paused));
  // A second subscriber hears of the write; the first one no longer does.
  event_filter all;
  subscribe(self, all);
  put(self, task(3, 7, task_state::waiting));
  auto e = next(self);
  BOOST_CHECK_EQUAL(e.tid, 3u);
  BOOST_CHECK_EQUAL(e.id, 6u);
  self->receive([](task_event&) { BOOST_FAIL("an event after unwatch"); },
                caf::after(std::chrono::milliseconds(0)) >> [] {});
}

BOOST_AUTO_TEST_CASE(a_resume_past_the_log_is_a_reset) {
  caf::scoped_actor self{*sys};
  event_filter f;
  f.resume = true;
  f.after = 5; // no event was ever given this id
  subscribe(self, f);
  auto r = next(self);
  BOOST_CHECK(r.type == event_type::reset);
  BOOST_CHECK_EQUAL(r.id, 0u);
}

BOOST_AUTO_TEST_SUITE_END()
