#include <boost/test/unit_test.hpp>

#include "storage/outbox_table.hpp"
#include "storage/replica_table.hpp"
#include "storage/rules/commit_task.hpp"
#include "storage/task_table.hpp"
#include "storage/torrent_table.hpp"
#include "tests/storage/rules_fixture.hpp"

using namespace skyhaul;
using namespace skyhaul::storage;
using namespace skyhaul::test;

namespace {

uint64_t count(const state_counters& c, task_state s) {
  return c.counts[static_cast<size_t>(s)];
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(commit_task_rules, rules_fixture)

rules::task_commit commit(rules_fixture& fx, const task_record& rec,
                          std::vector<std::string> idcs = {}) {
  auto t = fx.db->write();
  auto out = rules::commit_task(t, rec, idcs, fx.callbacks, 1000);
  t.commit();
  return out;
}

BOOST_AUTO_TEST_CASE(counters_follow_every_transition) {
  auto rec = make_task(1, 7, task_state::waiting);
  rec.spec.success_callback_url.clear();
  rec.spec.failure_callback_url.clear();
  commit(*this, rec);
  auto other = make_task(2, 8, task_state::paused);
  commit(*this, other);
  for (auto s : {task_state::downloading, task_state::paused,
                 task_state::waiting, task_state::downloading,
                 task_state::failed, task_state::waiting,
                 task_state::cancelled}) {
    rec.state = s;
    commit(*this, rec);
    auto t = db->read();
    auto c = get_counters(t, 7);
    for (size_t i = 0; i < num_task_states; ++i)
      BOOST_CHECK_EQUAL(c.counts[i], i == static_cast<size_t>(s) ? 1u : 0u);
    BOOST_CHECK_EQUAL(count(get_counters(t, 8), task_state::paused), 1u);
  }
  {
    auto t = db->write();
    rules::erase_task_record(t, 1);
    t.commit();
  }
  auto t = db->read();
  BOOST_CHECK(!get_task(t, 1));
  auto c = get_counters(t, 7);
  for (auto n : c.counts)
    BOOST_CHECK_EQUAL(n, 0u);
  BOOST_CHECK_EQUAL(count(get_counters(t, 8), task_state::paused), 1u);
}

BOOST_AUTO_TEST_CASE(an_end_state_owes_its_callback_once) {
  auto rec = make_task(1, 7, task_state::downloading);
  BOOST_CHECK_EQUAL(commit(*this, rec).event, 0u);
  rec.state = task_state::failed;
  auto first = commit(*this, rec);
  BOOST_CHECK_NE(first.event, 0u);
  // The same state again is no transition: nothing more owed.
  BOOST_CHECK_EQUAL(commit(*this, rec).event, 0u);
  auto t = db->read();
  auto owed = owed_events(t);
  BOOST_REQUIRE_EQUAL(owed.size(), 1u);
  BOOST_CHECK_EQUAL(owed[0].id, first.event);
  BOOST_CHECK(owed[0].kind == callback_kind::failure);
  BOOST_CHECK_EQUAL(owed[0].body, "1:failure");
  BOOST_CHECK_EQUAL(owed[0].next_ms, 1000);
}

BOOST_AUTO_TEST_CASE(a_finish_with_replicas_defers_the_success_callback) {
  auto rec = make_task(1, 7, task_state::downloading);
  commit(*this, rec);
  rec.state = task_state::finished;
  rec.files = {make_file("a", "A", 1), make_file("b", "B", 2)};
  rec.files[1].concrete = false;
  auto out = commit(*this, rec, {"east", "west"});
  BOOST_CHECK(out.replicas);
  BOOST_CHECK_EQUAL(out.event, 0u);
  auto t = db->read();
  BOOST_CHECK(owed_events(t).empty());
  // One job per concrete file and IDC.
  auto jobs = list_replicas(t);
  BOOST_REQUIRE_EQUAL(jobs.size(), 2u);
  BOOST_CHECK_EQUAL(jobs[0].key, "a");
  BOOST_CHECK_EQUAL(jobs[0].idc, "east");
  BOOST_CHECK_EQUAL(jobs[1].idc, "west");
  BOOST_CHECK_EQUAL(jobs[0].next_ms, 1000);
}

BOOST_AUTO_TEST_CASE(a_finish_without_idcs_owes_success_at_once) {
  auto rec = make_task(1, 7, task_state::finished);
  rec.files = {make_file("a", "A", 1)};
  auto out = commit(*this, rec);
  BOOST_CHECK(!out.replicas);
  BOOST_CHECK_NE(out.event, 0u);
  auto t = db->read();
  BOOST_CHECK(list_replicas(t).empty());
}

BOOST_AUTO_TEST_CASE(an_end_drops_resume_data_and_feeds_the_cache) {
  auto rec = make_task(1, 7, task_state::downloading);
  rec.info_hash = std::string(40, 'a');
  rec.torrent_name = "pack";
  rec.torrent_files = 1;
  commit(*this, rec);
  {
    auto t = db->write();
    rules::store_resume(t, 1, "resume", true);
    t.commit();
  }
  {
    auto t = db->read();
    auto r = get_resume(t, 1);
    BOOST_REQUIRE(r);
    BOOST_CHECK_EQUAL(r->data, "resume");
    BOOST_CHECK(r->clean);
  }
  rec.state = task_state::finished;
  rec.files = {make_file("pack/a", "A", 1)};
  commit(*this, rec);
  {
    auto t = db->write();
    // A late save of the ended torrent must not bring its row back.
    rules::store_resume(t, 1, "late", false);
    t.commit();
  }
  auto t = db->read();
  BOOST_CHECK(!get_resume(t, 1));
  BOOST_CHECK(t.get(table::torrent_cache, rec.info_hash));
}

BOOST_AUTO_TEST_CASE(resume_data_of_an_unknown_task_is_dropped) {
  auto t = db->write();
  rules::store_resume(t, 42, "resume", true);
  BOOST_CHECK(!get_resume(t, 42));
}

BOOST_AUTO_TEST_SUITE_END()
