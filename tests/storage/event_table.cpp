#define BOOST_TEST_MODULE event_log
#include "storage/event_table.hpp"

#include "storage/lmdb_env.hpp"
#include "storage/rules/events.hpp"
#include "storage/task_table.hpp"
#include "tests/support/scratch.hpp"

#include <boost/test/unit_test.hpp>

// The event log table and the rules that append to it. The SSE framing
// and the stream reader are in tests/http/event_sse.cpp (same binary).

using namespace skyhaul;
using namespace skyhaul::storage;

namespace {

struct temp_db {
  test::scratch dir{"skyhaul-events"};
  lmdb_env env{dir.dir, 64 << 20};

  /// Appends an event of `owner`'s task `tid` at `at_ms`, committed.
  uint64_t add(user_id owner, task_seq tid, int64_t at_ms = 1000) {
    auto t = env.write();
    task_event ev;
    ev.type = event_type::task_removed;
    ev.owner = owner;
    ev.tid = tid;
    ev.at_ms = at_ms;
    auto id = append_event(t, ev);
    t.commit();
    return id;
  }

  std::vector<uint64_t> ids(user_id owner, uint64_t after) {
    std::vector<uint64_t> out;
    auto t = env.read();
    read_events(t, owner, after, [&](const task_event& ev) {
      out.push_back(ev.id);
      return true;
    });
    return out;
  }
};

using id_list = std::vector<uint64_t>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(event_table, temp_db)

BOOST_AUTO_TEST_CASE(append_gives_contiguous_ids_and_keeps_the_record) {
  BOOST_CHECK_EQUAL(add(1, 10), 1u);
  BOOST_CHECK_EQUAL(add(2, 20), 2u);
  BOOST_CHECK_EQUAL(add(1, 11), 3u);
  auto t = env.read();
  BOOST_CHECK_EQUAL(newest_event_id(t), 3u);
  BOOST_CHECK_EQUAL(trimmed_event_id(t), 0u);
  std::vector<task_event> got;
  read_events(t, 1, 0, [&](const task_event& ev) {
    got.push_back(ev);
    return true;
  });
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_CHECK_EQUAL(got[1].tid, 11u);
  BOOST_CHECK_EQUAL(got[1].owner, 1u);
  BOOST_CHECK(got[1].type == event_type::task_removed);
}

BOOST_AUTO_TEST_CASE(range_reads_per_user_and_for_everyone) {
  for (int i = 0; i < 6; ++i)
    add(1 + i % 2, 100 + i);
  BOOST_CHECK(ids(1, 0) == (id_list{1, 3, 5}));
  BOOST_CHECK(ids(2, 2) == (id_list{4, 6}));
  BOOST_CHECK(ids(1, 5).empty());
  BOOST_CHECK(ids(0, 3) == (id_list{4, 5, 6}));
  BOOST_CHECK(ids(3, 0).empty());
  // A visitor may stop early.
  auto t = env.read();
  size_t seen = 0;
  read_events(t, 0, 0, [&](const task_event&) { return ++seen < 2; });
  BOOST_CHECK_EQUAL(seen, 2u);
}

BOOST_AUTO_TEST_CASE(an_aborted_append_leaves_no_trace) {
  add(1, 1);
  {
    auto t = env.write();
    task_event ev;
    ev.owner = 1;
    append_event(t, ev);
  }
  BOOST_CHECK_EQUAL(add(1, 2), 2u);
  BOOST_CHECK(ids(1, 0) == (id_list{1, 2}));
}

BOOST_AUTO_TEST_CASE(trim_by_count_in_bounded_steps) {
  for (int i = 0; i < 10; ++i)
    add(1 + i % 3, i);
  {
    auto t = env.write();
    BOOST_CHECK_EQUAL(trim_events(t, 4, 0, 3), 3u);
    t.commit();
  }
  BOOST_CHECK(ids(0, 0) == (id_list{4, 5, 6, 7, 8, 9, 10}));
  {
    auto t = env.write();
    BOOST_CHECK_EQUAL(trim_events(t, 4, 0, 100), 3u);
    BOOST_CHECK_EQUAL(trim_events(t, 4, 0, 100), 0u);
    t.commit();
  }
  BOOST_CHECK(ids(0, 0) == (id_list{7, 8, 9, 10}));
  BOOST_CHECK(ids(1, 0) == (id_list{7, 10}));
  auto t = env.read();
  BOOST_CHECK_EQUAL(trimmed_event_id(t), 6u);
  BOOST_CHECK_EQUAL(newest_event_id(t), 10u);
}

BOOST_AUTO_TEST_CASE(trim_by_age) {
  add(1, 1, 100);
  add(1, 2, 200);
  add(2, 3, 300);
  {
    auto t = env.write();
    BOOST_CHECK_EQUAL(trim_events(t, 1000, 250, 100), 2u);
    t.commit();
  }
  BOOST_CHECK(ids(0, 0) == (id_list{3}));
  auto t = env.read();
  BOOST_CHECK_EQUAL(trimmed_event_id(t), 2u);
}

BOOST_AUTO_TEST_CASE(rules_tell_a_task_story) {
  using namespace skyhaul::storage::rules;
  task_record rec;
  rec.seq = 5;
  rec.owner = 9;
  rec.spec.url = "http://origin/x.bin";
  rec.spec.bucket = "b";
  rec.spec.key = "k";
  std::vector<task_event> out;
  auto t = env.write();
  task_events(t, nullptr, rec, 1, out);
  put_task(t, rec);
  auto before = rec;
  rec.state = task_state::downloading;
  task_events(t, &before, rec, 2, out);
  fetch_progress p;
  p.seq = 5;
  p.done = 50;
  p.total = 200;
  p.speed = 50;
  put_task(t, rec);
  progress_event(t, p, 3, out);
  before = rec;
  file_record f;
  f.key = "k";
  f.name = "x.bin";
  f.blob = "ab";
  rec.files.push_back(f);
  rec.state = task_state::finished;
  task_events(t, &before, rec, 4, out);
  put_task(t, rec);
  // A late figure after the end tells nothing.
  progress_event(t, p, 5, out);
  // Neither does a record written again unchanged.
  task_events(t, &rec, rec, 6, out);
  removed_event(t, 5, 7, out);
  t.commit();
  std::vector<event_type> types;
  for (auto& ev : out)
    types.push_back(ev.type);
  BOOST_CHECK(types
              == (std::vector<event_type>{
                event_type::task_created, event_type::task_state,
                event_type::task_progress, event_type::task_file,
                event_type::task_state, event_type::task_removed}));
  BOOST_CHECK_EQUAL(out[0].url, "http://origin/x.bin");
  BOOST_CHECK(out[1].previous == task_state::waiting);
  BOOST_CHECK_EQUAL(out[2].eta, 3);
  BOOST_CHECK(out[4].state == task_state::finished);
  BOOST_CHECK(ids(9, 0) == (id_list{1, 2, 3, 4, 5, 6}));
}

BOOST_AUTO_TEST_CASE(callback_attempts_name_their_outcome) {
  using namespace skyhaul::storage::rules;
  callback_event ev;
  ev.task = 3;
  ev.owner = 4;
  ev.url = "http://receiver/cb";
  delivery_attempt a;
  a.http_status = 503;
  std::vector<task_event> out;
  auto t = env.write();
  attempt_event(t, a, 1, ev, 10, out);
  ev.state = delivery_state::failed;
  attempt_event(t, a, 2, ev, 11, out);
  ev.state = delivery_state::delivered;
  a.http_status = 200;
  attempt_event(t, a, 3, ev, 12, out);
  // An attempt at an unknown event (number 0) tells nothing.
  attempt_event(t, a, 0, ev, 13, out);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  BOOST_CHECK_EQUAL(out[0].outcome, "retry");
  BOOST_CHECK_EQUAL(out[1].outcome, "gave_up");
  BOOST_CHECK_EQUAL(out[2].outcome, "delivered");
  BOOST_CHECK_EQUAL(out[2].attempt, 3u);
  BOOST_CHECK_EQUAL(out[2].http_status, 200u);
  BOOST_CHECK_EQUAL(out[2].callback_url, "http://receiver/cb");
}

BOOST_AUTO_TEST_SUITE_END()
