#define BOOST_TEST_MODULE outbox_table
#include "storage/outbox_table.hpp"

#include "storage/lmdb_env.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>

using namespace skyhaul;
using namespace skyhaul::storage;

namespace {

struct temp_db {
  std::string dir;
  std::unique_ptr<lmdb_env> env;
  temp_db() {
    char tmpl[] = "/tmp/skyhaul-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    env = std::make_unique<lmdb_env>(dir, 64 << 20);
  }
  ~temp_db() {
    env.reset();
    std::filesystem::remove_all(dir);
  }

  /// Enqueues an event of `task`, due at `next_ms`, in its own transaction.
  callback_event add(task_seq task, int64_t next_ms,
                     callback_kind kind = callback_kind::success) {
    auto t = env->write();
    callback_event ev;
    ev.id = next_event_id(t);
    ev.task = task;
    ev.owner = 7;
    ev.kind = kind;
    ev.url = "http://receiver/" + std::to_string(task);
    ev.body = "{\"task\":" + std::to_string(task) + "}";
    ev.window_start_ms = next_ms;
    ev.next_ms = next_ms;
    enqueue_event(t, ev);
    t.commit();
    return ev;
  }

  delivery_attempt attempt(const callback_event& ev, uint32_t status,
                           std::string error) {
    delivery_attempt a;
    a.event = ev.id;
    a.task = ev.task;
    a.time_ms = 1000;
    a.http_status = status;
    a.error = std::move(error);
    a.duration_ms = 5;
    return a;
  }

  uint32_t record(const delivery_attempt& a, const callback_event& ev) {
    auto t = env->write();
    auto n = record_attempt(t, a, ev);
    t.commit();
    return n;
  }
};

std::vector<uint64_t> ids(const std::vector<callback_event>& xs) {
  std::vector<uint64_t> out;
  for (auto& x : xs)
    out.push_back(x.id);
  return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(outbox, temp_db)

BOOST_AUTO_TEST_CASE(enqueue_assigns_increasing_ids_and_keeps_the_event) {
  auto a = add(1, 100);
  auto b = add(1, 100, callback_kind::failure);
  BOOST_CHECK_EQUAL(a.id, 1u);
  BOOST_CHECK_EQUAL(b.id, 2u);
  auto t = env->read();
  auto got = get_owed(t, b.id);
  BOOST_REQUIRE(got);
  BOOST_CHECK_EQUAL(got->task, 1u);
  BOOST_CHECK_EQUAL(got->owner, 7u);
  BOOST_CHECK(got->kind == callback_kind::failure);
  BOOST_CHECK_EQUAL(got->url, "http://receiver/1");
  BOOST_CHECK_EQUAL(got->body, "{\"task\":1}");
  BOOST_CHECK(got->state == delivery_state::pending);
  BOOST_CHECK(!get_owed(t, 3));
}

BOOST_AUTO_TEST_CASE(owed_events_come_in_due_order) {
  auto late = add(1, 300);
  auto early = add(2, 100);
  auto tie = add(3, 100);
  auto middle = add(4, 200);
  auto t = env->read();
  std::vector<uint64_t> want{early.id, tie.id, middle.id, late.id};
  auto got = ids(owed_events(t));
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), want.begin(),
                                want.end());
}

BOOST_AUTO_TEST_CASE(attempts_reschedule_then_delivery_leaves_the_outbox) {
  auto ev = add(5, 100);
  ev.tries = 1;
  ev.next_ms = 900;
  BOOST_CHECK_EQUAL(record(attempt(ev, 500, "HTTP 500"), ev), 1u);
  {
    auto t = env->read();
    auto owed = get_owed(t, ev.id);
    BOOST_REQUIRE(owed);
    BOOST_CHECK_EQUAL(owed->next_ms, 900);
    BOOST_CHECK_EQUAL(owed->tries, 1u);
  }
  ev.tries = 2;
  ev.state = delivery_state::delivered;
  BOOST_CHECK_EQUAL(record(attempt(ev, 200, ""), ev), 2u);
  auto t = env->read();
  BOOST_CHECK(!get_owed(t, ev.id));
  BOOST_CHECK(owed_events(t).empty());
  auto log = delivery_log(t, 5);
  BOOST_REQUIRE_EQUAL(log.size(), 1u);
  BOOST_CHECK(log[0].event.state == delivery_state::delivered);
  BOOST_CHECK_EQUAL(log[0].event.url, "http://receiver/5");
  BOOST_REQUIRE_EQUAL(log[0].attempts.size(), 2u);
  BOOST_CHECK_EQUAL(log[0].attempts[0].attempt, 1u);
  BOOST_CHECK_EQUAL(log[0].attempts[0].http_status, 500u);
  BOOST_CHECK_EQUAL(log[0].attempts[0].error, "HTTP 500");
  BOOST_CHECK_EQUAL(log[0].attempts[1].attempt, 2u);
  BOOST_CHECK_EQUAL(log[0].attempts[1].http_status, 200u);
}

BOOST_AUTO_TEST_CASE(giving_up_marks_the_log_failed) {
  auto ev = add(6, 100);
  ev.state = delivery_state::failed;
  record(attempt(ev, 0, "refused"), ev);
  auto t = env->read();
  BOOST_CHECK(!get_owed(t, ev.id));
  auto log = delivery_log(t, 6);
  BOOST_REQUIRE_EQUAL(log.size(), 1u);
  BOOST_CHECK(log[0].event.state == delivery_state::failed);
}

BOOST_AUTO_TEST_CASE(logs_are_per_task_and_per_event) {
  auto a = add(8, 100, callback_kind::failure);
  auto other = add(9, 100);
  auto b = add(8, 100, callback_kind::success);
  record(attempt(a, 500, "x"), a);
  record(attempt(other, 500, "y"), other);
  record(attempt(b, 500, "z"), b);
  record(attempt(b, 502, "w"), b);
  auto t = env->read();
  auto log = delivery_log(t, 8);
  BOOST_REQUIRE_EQUAL(log.size(), 2u);
  BOOST_CHECK_EQUAL(log[0].event.id, a.id);
  BOOST_CHECK(log[0].event.kind == callback_kind::failure);
  BOOST_CHECK_EQUAL(log[0].attempts.size(), 1u);
  BOOST_CHECK_EQUAL(log[1].event.id, b.id);
  BOOST_REQUIRE_EQUAL(log[1].attempts.size(), 2u);
  BOOST_CHECK_EQUAL(log[1].attempts[1].http_status, 502u);
  BOOST_CHECK(delivery_log(t, 10).empty());
}

BOOST_AUTO_TEST_CASE(redeliver_owes_the_latest_event_again) {
  {
    auto t = env->write();
    BOOST_CHECK(!redeliver(t, 11, 5000));
  }
  add(11, 100, callback_kind::failure);
  auto ev = add(11, 100);
  ev.tries = 1;
  ev.state = delivery_state::delivered;
  record(attempt(ev, 200, ""), ev);
  std::optional<callback_event> again;
  {
    auto t = env->write();
    again = redeliver(t, 11, 5000);
    t.commit();
  }
  BOOST_REQUIRE(again);
  BOOST_CHECK_EQUAL(again->id, ev.id);
  BOOST_CHECK_EQUAL(again->round, ev.round + 1);
  BOOST_CHECK_EQUAL(again->tries, 0u);
  BOOST_CHECK_EQUAL(again->next_ms, 5000);
  BOOST_CHECK_EQUAL(again->body, ev.body);
  {
    auto t = env->read();
    auto owed = get_owed(t, ev.id);
    BOOST_REQUIRE(owed);
    BOOST_CHECK(owed->state == delivery_state::pending);
    BOOST_CHECK(delivery_log(t, 11)[1].event.state == delivery_state::pending);
  }
  // An outcome of the old round lands in the log only.
  BOOST_CHECK_EQUAL(record(attempt(ev, 500, "late"), ev), 2u);
  {
    auto t = env->read();
    BOOST_CHECK(get_owed(t, ev.id));
  }
  auto stale = *again;
  stale.tries = 1;
  stale.state = delivery_state::delivered;
  BOOST_CHECK_EQUAL(record(attempt(stale, 200, ""), stale), 3u);
  auto t = env->read();
  BOOST_CHECK(!get_owed(t, ev.id));
  auto log = delivery_log(t, 11);
  BOOST_CHECK(log[1].event.state == delivery_state::delivered);
  BOOST_CHECK_EQUAL(log[1].attempts.size(), 3u);
}

BOOST_AUTO_TEST_SUITE_END()
