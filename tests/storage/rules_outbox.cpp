#include <boost/test/unit_test.hpp>

#include "storage/bucket_table.hpp"
#include "storage/object_table.hpp"
#include "storage/outbox_table.hpp"
#include "storage/rules/buckets.hpp"
#include "storage/rules/commit_task.hpp"
#include "storage/rules/group_commit.hpp"
#include "storage/rules/outbox.hpp"
#include "tests/storage/rules_fixture.hpp"

using namespace skyhaul;
using namespace skyhaul::storage;
using namespace skyhaul::test;

BOOST_FIXTURE_TEST_SUITE(outbox_and_bucket_rules, rules_fixture)

BOOST_AUTO_TEST_CASE(redelivery_owes_the_latest_event_again) {
  auto rec = make_task(1, 7, task_state::failed);
  uint64_t id = 0;
  {
    auto t = db->write();
    id = rules::commit_task(t, rec, {}, callbacks, 1000).event;
    t.commit();
  }
  BOOST_REQUIRE_NE(id, 0u);
  {
    auto t = db->write();
    auto ev = get_owed(t, id);
    BOOST_REQUIRE(ev);
    delivery_attempt a;
    a.event = id;
    a.task = 1;
    a.http_status = 200;
    ev->state = delivery_state::delivered;
    record_attempt(t, a, *ev);
    t.commit();
  }
  {
    auto t = db->read();
    BOOST_CHECK(!get_owed(t, id));
  }
  {
    auto t = db->write();
    BOOST_CHECK_EQUAL(rules::redeliver_latest(t, 1, 5000), id);
    t.commit();
  }
  auto t = db->read();
  auto ev = get_owed(t, id);
  BOOST_REQUIRE(ev);
  BOOST_CHECK_EQUAL(ev->next_ms, 5000);
}

BOOST_AUTO_TEST_CASE(redelivery_of_a_task_without_callback_is_refused) {
  auto t = db->write();
  try {
    rules::redeliver_latest(t, 9, 0);
    BOOST_FAIL("no refusal");
  } catch (const rules::refusal& e) {
    BOOST_CHECK(e.code == ec::invalid_state);
  }
}

BOOST_AUTO_TEST_CASE(only_an_empty_existing_bucket_is_removed) {
  auto refused = [&](const std::string& name) {
    auto t = db->write();
    try {
      rules::remove_bucket(t, name);
      t.commit();
      return ec::none;
    } catch (const rules::refusal& e) {
      return e.code;
    }
  };
  BOOST_CHECK(refused("nope") == ec::not_found);
  {
    auto t = db->write();
    create_bucket(t, "full", 7, acl_spec{}, 0);
    create_bucket(t, "empty", 7, acl_spec{}, 0);
    object_commit c;
    c.owner = 7;
    c.bucket = "full";
    c.file = make_file("a", "A", 1);
    rules::orphan_list o;
    commit_object(t, c, o);
    t.commit();
  }
  BOOST_CHECK(refused("full") == ec::invalid_state);
  BOOST_CHECK(refused("empty") == ec::none);
  auto t = db->read();
  BOOST_CHECK(!get_bucket(t, "empty"));
  BOOST_CHECK(get_bucket(t, "full"));
}

BOOST_AUTO_TEST_SUITE_END()
