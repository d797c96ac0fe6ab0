#include <boost/test/unit_test.hpp>

// The storage quota rule (storage/rules/quota.hpp) and the blob removal
// hook it leads to: a finish past the quota fails, its objects go in the
// same transaction, and the hook hears of the blob after the commit.

#include "storage/object_table.hpp"
#include "storage/rules/commit_task.hpp"
#include "storage/rules/group_commit.hpp"
#include "storage/rules/object_commit.hpp"
#include "storage/rules/quota.hpp"
#include "storage/rows.hpp"
#include "storage/task_table.hpp"
#include "storage/usage_table.hpp"
#include "storage/user_table.hpp"
#include "tests/storage/rules_fixture.hpp"

#include <map>

using namespace skyhaul;
using namespace skyhaul::storage;
using namespace skyhaul::test;

namespace {

struct quota_fixture : rules_fixture {
  rules::quota_rule quotas;
  std::vector<std::string> gone;

  quota_fixture() {
    plan_config small;
    small.name = "small";
    small.storage_quota = 1000;
    plan_config free;
    free.name = "free";
    quotas.plans = {free, small};
    quotas.default_plan = "free";
    auto t = db->write();
    for (auto [id, plan] : {std::pair{user_id{7}, "small"},
                            std::pair{user_id{8}, ""}}) {
      auto u = make_user(id, "u" + std::to_string(id), false, 0).rec;
      u.plan = plan;
      put_user(t, u);
    }
    t.commit();
    blobs.on_removed([this](const std::string& b) { gone.push_back(b); });
  }

  /// Stores `f` as task `seq`'s object and commits the task finished, as
  /// the store does (one batch, the quota rule before the commit).
  task_record finish(task_seq seq, user_id owner, const file_record& f) {
    object_commit c;
    c.owner = owner;
    c.bucket = "b";
    c.file = f;
    c.source_path = partial(seq, std::string(f.size, 'x'));
    std::vector<rules::batch_write> objects;
    objects.push_back({[&](txn& t, rules::orphan_list& o) {
      rules::store_object(t, blobs, c, o);
    }});
    rules::commit_batch(*db, blobs, objects);
    BOOST_REQUIRE(objects[0].code == ec::none);
    auto rec = make_task(seq, owner, task_state::finished);
    rec.files = {f};
    task_record stored;
    std::vector<rules::batch_write> batch;
    batch.push_back({[&](txn& t, rules::orphan_list& o) {
      stored = rules::within_quota(t, quotas, rec, o).value_or(rec);
      rules::commit_task(t, stored, {}, callbacks, 1000);
    }});
    rules::commit_batch(*db, blobs, batch);
    BOOST_REQUIRE(batch[0].code == ec::none);
    return stored;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(quota_rules, quota_fixture)

BOOST_AUTO_TEST_CASE(a_finish_past_the_quota_fails_and_drops_its_objects) {
  auto a = finish(1, 7, make_file("a", "A", 600));
  BOOST_CHECK(a.state == task_state::finished);
  BOOST_CHECK_EQUAL(rules::stored_bytes(db->read(), 7), 600u);
  auto b = finish(2, 7, make_file("b", "B", 401));
  BOOST_CHECK(b.state == task_state::failed);
  BOOST_CHECK(b.error == ec::quota_exceeded);
  BOOST_CHECK(b.files.empty());
  auto t = db->read();
  BOOST_CHECK(get_task(t, 2)->state == task_state::failed);
  BOOST_CHECK(!get_object(t, "b", "b"));
  BOOST_CHECK(get_object(t, "b", "a"));
  // The blob went after the commit, and the hook heard of it (only it).
  BOOST_CHECK(!blob_file("blobB"));
  BOOST_CHECK(blob_file("blobA"));
  BOOST_REQUIRE_EQUAL(gone.size(), 1u);
  BOOST_CHECK_EQUAL(gone[0], "blobB");
  // Exactly the quota fits.
  auto c = finish(3, 7, make_file("c", "C", 400));
  BOOST_CHECK(c.state == task_state::finished);
  BOOST_CHECK_EQUAL(rules::stored_bytes(db->read(), 7), 1000u);
}

BOOST_AUTO_TEST_CASE(new_requests_are_refused_once_the_quota_is_held) {
  auto& small = quotas.plans[1];
  auto& free = quotas.plans[0];
  BOOST_CHECK(!rules::refuse_new(db->read(), small, 7));
  finish(1, 7, make_file("a", "A", 999));
  BOOST_CHECK(!rules::refuse_new(db->read(), small, 7));
  finish(2, 7, make_file("b", "B", 1));
  auto why = rules::refuse_new(db->read(), small, 7);
  BOOST_REQUIRE(why);
  BOOST_CHECK(why->find("storage") != std::string::npos);
  // Another plan, another user: no limit.
  BOOST_CHECK(!rules::refuse_new(db->read(), free, 7));
  for (task_seq s = 10; s < 13; ++s)
    BOOST_CHECK(finish(s, 8, make_file("k" + std::to_string(s),
                                       "U" + std::to_string(s), 900))
                    .state
                == task_state::finished);
}

BOOST_AUTO_TEST_CASE(an_object_past_the_quota_is_refused_before_the_finish) {
  finish(1, 7, make_file("a", "A", 600));
  BOOST_CHECK_NO_THROW(rules::check_object(db->read(), quotas, 7, 400));
  BOOST_CHECK_EXCEPTION(rules::check_object(db->read(), quotas, 7, 401),
                        rules::refusal, [](const rules::refusal& r) {
                          return r.code == ec::quota_exceeded;
                        });
  BOOST_CHECK_NO_THROW(rules::check_object(db->read(), quotas, 8, 1 << 30));
}

/// What the figure must be: the concrete files of every finished task,
/// counted the slow way.
std::map<user_id, uint64_t> counted(const txn& t) {
  std::map<user_id, uint64_t> out;
  t.scan(table::tasks, {}, [&](std::string_view k, std::string_view v) {
    auto rec = decode_value<task_record>(table::tasks, k, v);
    if (rec.state == task_state::finished)
      for (auto& f : rec.files)
        if (f.concrete)
          out[rec.owner] += f.size;
    return true;
  });
  return out;
}

BOOST_AUTO_TEST_CASE(the_stored_figure_follows_every_write) {
  finish(1, 7, make_file("a", "A", 300));
  finish(2, 7, make_file("b", "B", 200));
  finish(3, 8, make_file("c", "C", 5000));
  auto check = [&] {
    auto t = db->read();
    auto want = counted(t);
    for (user_id u : {7, 8})
      BOOST_CHECK_EQUAL(rules::stored_bytes(t, u), want[u]);
  };
  check();
  BOOST_CHECK_EQUAL(rules::stored_bytes(db->read(), 7), 500u);
  // Leaving one out, as a finish that replaces it does.
  BOOST_CHECK_EQUAL(rules::stored_bytes(db->read(), 7, 2), 300u);
  {
    // A finished task written again as finished counts once; one erased
    // counts no more; one that leaves finished neither.
    auto t = db->write();
    auto a = *get_task(t, 1);
    put_task(t, a);
    erase_task(t, 2);
    auto c = *get_task(t, 3);
    c.state = task_state::failed;
    put_task(t, c);
    t.commit();
  }
  check();
  BOOST_CHECK_EQUAL(rules::stored_bytes(db->read(), 7), 300u);
  BOOST_CHECK_EQUAL(rules::stored_bytes(db->read(), 8), 0u);
}

BOOST_AUTO_TEST_CASE(a_database_without_the_figure_gets_it_counted_at_open) {
  finish(1, 7, make_file("a", "A", 300));
  finish(2, 8, make_file("b", "B", 700));
  {
    // As a database from before the table: no figures, no mark; and a
    // stale row that must not be added to.
    auto t = db->write();
    t.del(table::usage, be64(8));
    t.put(table::usage, be64(7), count_row{12345});
    t.del(table::meta, "usage_counted");
    t.commit();
  }
  db.reset();
  db = std::make_unique<lmdb_env>(dir.dir + "/db", 64 << 20);
  auto t = db->read();
  BOOST_CHECK_EQUAL(rules::stored_bytes(t, 7), 300u);
  BOOST_CHECK_EQUAL(rules::stored_bytes(t, 8), 700u);
  BOOST_CHECK(t.get(table::meta, "usage_counted"));
}

BOOST_AUTO_TEST_SUITE_END()
