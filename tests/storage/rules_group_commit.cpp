#define BOOST_TEST_MODULE storage_rules
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "storage/headroom.hpp"
#include "storage/object_table.hpp"
#include "storage/rows.hpp"
#include "storage/rules/commit_task.hpp"
#include "storage/rules/group_commit.hpp"
#include "storage/rules/object_commit.hpp"
#include "storage/task_table.hpp"
#include "tests/storage/rules_fixture.hpp"

using namespace skyhaul;
using namespace skyhaul::storage;
using namespace skyhaul::test;

namespace {

rules::batch_write put(const task_record& rec) {
  return {[rec](txn& t, rules::orphan_list&) { put_task(t, rec); }};
}

/// Owner 7's object `key` in bucket b with blob `blob<name>`, its three
/// bytes waiting in task `seq`'s partial file.
object_commit object_of(rules_fixture& f, const std::string& key,
                        const std::string& name, task_seq seq,
                        const std::string& bytes) {
  object_commit c;
  c.owner = 7;
  c.bucket = "b";
  c.file = make_file(key, name, 3);
  c.source_path = f.partial(seq, bytes);
  return c;
}

/// A write storing `c` (held by reference: it must outlive the batch).
rules::batch_write storing(rules_fixture& f, const object_commit& c) {
  return {[&f, &c](txn& t, rules::orphan_list& o) {
    rules::store_object(t, f.blobs, c, o);
  }};
}

/// Commits a batch of the one write storing `c`; its outcome.
ec store_alone(rules_fixture& f, const object_commit& c) {
  std::vector<rules::batch_write> batch;
  batch.push_back(storing(f, c));
  rules::commit_batch(*f.db, f.blobs, batch);
  return batch[0].code;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(group_commit_rules, rules_fixture)

BOOST_AUTO_TEST_CASE(a_failing_write_does_not_sink_the_others) {
  std::vector<rules::batch_write> batch;
  batch.push_back(put(make_task(1, 7, task_state::waiting)));
  batch.push_back({[](txn& t, rules::orphan_list&) {
    // Written, then refused: none of it may stay.
    put_task(t, make_task(2, 7, task_state::waiting));
    throw rules::refusal(ec::invalid_state, "no");
  }});
  batch.push_back({[](txn&, rules::orphan_list&) {
    throw std::runtime_error("disk on fire");
  }});
  batch.push_back(put(make_task(3, 7, task_state::paused)));
  rules::commit_batch(*db, blobs, batch);
  BOOST_CHECK(batch[0].code == ec::none);
  BOOST_CHECK(batch[1].code == ec::invalid_state);
  BOOST_CHECK_EQUAL(batch[1].error, "no");
  BOOST_CHECK(batch[2].code == ec::internal_error);
  BOOST_CHECK_EQUAL(batch[2].error, "disk on fire");
  BOOST_CHECK(batch[3].code == ec::none);
  auto t = db->read();
  BOOST_CHECK(get_task(t, 1));
  BOOST_CHECK(!get_task(t, 2));
  BOOST_CHECK(get_task(t, 3));
  auto c = get_counters(t, 7);
  BOOST_CHECK_EQUAL(c.counts[static_cast<size_t>(task_state::waiting)], 1u);
  BOOST_CHECK_EQUAL(c.counts[static_cast<size_t>(task_state::paused)], 1u);
}

BOOST_AUTO_TEST_CASE(a_full_map_is_insufficient_storage_not_an_internal_error) {
  // A database of 1 MB and a record of 2 MB: MDB_MAP_FULL.
  lmdb_env small{dir.dir + "/small", 1 << 20};
  std::vector<rules::batch_write> batch;
  auto big = make_task(1, 7, task_state::waiting);
  big.spec.url += "?" + std::string(2 << 20, 'x');
  batch.push_back(put(big));
  batch.push_back(put(make_task(2, 7, task_state::waiting)));
  rules::commit_batch(small, blobs, batch);
  BOOST_CHECK(batch[0].code == ec::insufficient_storage);
  BOOST_CHECK_MESSAGE(batch[0].error.find("the database is full")
                          != std::string::npos,
                      batch[0].error);
  // The small write beside it still fits.
  BOOST_CHECK(batch[1].code == ec::none);
  auto t = small.read();
  BOOST_CHECK(!get_task(t, 1));
  BOOST_CHECK(get_task(t, 2));
}

BOOST_AUTO_TEST_CASE(a_full_disk_is_insufficient_storage) {
  std::vector<rules::batch_write> batch;
  batch.push_back({[](txn&, rules::orphan_list&) {
    throw std::runtime_error("fsync /data/blobs/ab: No space left on device");
  }});
  batch.push_back({[](txn&, rules::orphan_list&) {
    throw std::runtime_error("rename /data/partial/x: Disk quota exceeded");
  }});
  rules::commit_batch(*db, blobs, batch);
  BOOST_CHECK(batch[0].code == ec::insufficient_storage);
  BOOST_CHECK(batch[1].code == ec::insufficient_storage);
}

BOOST_AUTO_TEST_CASE(adding_writes_leave_room_for_deletes) {
  lmdb_env small{dir.dir + "/room", 1 << 20};
  auto commit = [&](std::function<void(txn&)> fn) {
    std::vector<rules::batch_write> batch;
    batch.push_back({[&](txn& t, rules::orphan_list&) { fn(t); }});
    rules::commit_batch(small, blobs, batch);
    return batch[0];
  };
  // New tasks until the room kept for deletes is reached.
  std::vector<task_seq> made;
  rules::batch_write refused{nullptr};
  for (task_seq seq = 1; seq < 5000; ++seq) {
    auto rec = make_task(seq, 7, task_state::paused);
    rec.spec.url += "?" + std::string(1500, 'x');
    auto w = commit([&](txn& t) {
      keep_headroom(small, t);
      put_task(t, rec);
    });
    if (w.code != ec::none) {
      refused = w;
      break;
    }
    made.push_back(seq);
  }
  BOOST_REQUIRE(!made.empty() && made.size() < 4999);
  BOOST_CHECK(refused.code == ec::insufficient_storage);
  BOOST_CHECK_MESSAGE(refused.error.find("nearly full") != std::string::npos,
                      refused.error);
  // The first tasks change state and go, all of them; then new ones fit.
  for (auto seq : made) {
    auto w = commit([&](txn& t) {
      put_task(t, make_task(seq, 7, task_state::cancelled));
      rules::erase_task_record(t, seq);
    });
    BOOST_REQUIRE_MESSAGE(w.code == ec::none, "task " << seq << ": " << w.error);
  }
  BOOST_CHECK(commit([&](txn& t) {
                keep_headroom(small, t);
                put_task(t, make_task(9000, 7, task_state::paused));
              }).code
              == ec::none);
}

BOOST_AUTO_TEST_CASE(writes_of_one_batch_see_each_other_in_order) {
  std::vector<rules::batch_write> batch;
  batch.push_back(put(make_task(5, 7, task_state::waiting)));
  batch.push_back({[](txn& t, rules::orphan_list&) {
    auto rec = get_task(t, 5);
    BOOST_REQUIRE(rec);
    rec->state = task_state::downloading;
    put_task(t, *rec);
  }});
  rules::commit_batch(*db, blobs, batch);
  auto t = db->read();
  BOOST_CHECK(get_task(t, 5)->state == task_state::downloading);
}

BOOST_AUTO_TEST_CASE(a_blob_orphaned_and_referenced_again_stays) {
  // Key a holds blob X; the batch overwrites a (X loses its last
  // reference), then stores X under key b: X must survive the sweep.
  auto first = object_of(*this, "a", "X", 1, "xxx");
  BOOST_REQUIRE(store_alone(*this, first) == ec::none);
  BOOST_REQUIRE(blob_file("blobX"));
  auto over = first;
  over.file = make_file("a", "Y", 3);
  over.source_path = partial(2, "yyy");
  auto again = first;
  again.file.key = "b";
  again.source_path.clear();
  std::vector<rules::batch_write> batch;
  batch.push_back(storing(*this, over));
  batch.push_back(storing(*this, again));
  rules::commit_batch(*db, blobs, batch);
  BOOST_CHECK(batch[0].code == ec::none);
  BOOST_CHECK(batch[1].code == ec::none);
  BOOST_CHECK(blob_file("blobX"));
  BOOST_CHECK(blob_file("blobY"));
  auto t = db->read();
  BOOST_CHECK_EQUAL(blob_refs(t, "blobX"), 1u);
  BOOST_CHECK_EQUAL(blob_refs(t, "blobY"), 1u);
}

BOOST_AUTO_TEST_CASE(a_crash_between_commit_and_removal_is_repaired_at_start) {
  // X under key a, then a batch overwrites a with Y: X loses its last
  // reference. The process dies after the commit, before the removal.
  auto first = object_of(*this, "a", "X", 1, "xxx");
  BOOST_REQUIRE(store_alone(*this, first) == ec::none);
  auto over = object_of(*this, "a", "Y", 2, "yyy");
  std::vector<rules::batch_write> batch;
  batch.push_back(storing(*this, over));
  auto orphans = rules::commit_rows(*db, batch);
  BOOST_REQUIRE(batch[0].code == ec::none);
  BOOST_CHECK(orphans == std::vector<std::string>{"blobX"});
  BOOST_CHECK(blob_file("blobX"));
  {
    auto t = db->read();
    BOOST_CHECK(t.get(table::doomed_blobs, "blobX"));
  }
  // The next start removes it, and only it.
  std::vector<std::string> hooked;
  blobs.on_removed([&](const std::string& b) { hooked.push_back(b); });
  BOOST_CHECK_EQUAL(rules::remove_doomed_blobs(*db, blobs), 1u);
  BOOST_CHECK(!blob_file("blobX"));
  BOOST_CHECK(blob_file("blobY"));
  BOOST_CHECK(hooked == std::vector<std::string>{"blobX"});
  {
    auto t = db->read();
    BOOST_CHECK(!t.get(table::doomed_blobs, "blobX"));
  }
  BOOST_CHECK_EQUAL(rules::remove_doomed_blobs(*db, blobs), 0u);
}

BOOST_AUTO_TEST_CASE(a_doomed_blob_referenced_again_stays_at_start) {
  auto first = object_of(*this, "a", "X", 1, "xxx");
  BOOST_REQUIRE(store_alone(*this, first) == ec::none);
  {
    // A mark left for a blob that a later commit referenced again.
    auto t = db->write();
    t.put(table::doomed_blobs, "blobX", count_row{0});
    t.commit();
  }
  BOOST_CHECK_EQUAL(rules::remove_doomed_blobs(*db, blobs), 0u);
  BOOST_CHECK(blob_file("blobX"));
  auto t = db->read();
  BOOST_CHECK(!t.get(table::doomed_blobs, "blobX"));
}

BOOST_AUTO_TEST_CASE(a_finished_commit_leaves_no_mark) {
  auto first = object_of(*this, "a", "X", 1, "xxx");
  auto over = object_of(*this, "a", "Y", 2, "yyy");
  for (auto* c : {&first, &over})
    BOOST_REQUIRE(store_alone(*this, *c) == ec::none);
  BOOST_CHECK(!blob_file("blobX"));
  auto t = db->read();
  size_t marks = 0;
  t.scan(table::doomed_blobs, {}, [&](std::string_view, std::string_view) {
    ++marks;
    return true;
  });
  BOOST_CHECK_EQUAL(marks, 0u);
}

BOOST_AUTO_TEST_CASE(orphans_of_a_refused_write_are_not_swept) {
  object_commit c;
  c.owner = 7;
  c.bucket = "b";
  c.file = make_file("a", "X", 3);
  c.source_path = partial(1, "xxx");
  {
    std::vector<rules::batch_write> batch;
    batch.push_back({[&](txn& t, rules::orphan_list& o) {
      rules::store_object(t, blobs, c, o);
    }});
    rules::commit_batch(*db, blobs, batch);
  }
  // The erase is rolled back, so the blob keeps its reference and file.
  std::vector<rules::batch_write> batch;
  batch.push_back({[](txn& t, rules::orphan_list& o) {
    erase_object(t, "b", "a", o);
    throw rules::refusal(ec::invalid_state, "changed my mind");
  }});
  rules::commit_batch(*db, blobs, batch);
  BOOST_CHECK(batch[0].code == ec::invalid_state);
  BOOST_CHECK(blob_file("blobX"));
  auto t = db->read();
  BOOST_CHECK(get_object(t, "b", "a"));
}

BOOST_AUTO_TEST_CASE(writes_beside_a_failing_one_run_again_and_land_once) {
  // The batch runs flat first; the refusal drops that transaction, undoes
  // the move into blobs/, and the batch runs again write by write.
  object_commit c;
  c.owner = 7;
  c.bucket = "b";
  c.file = make_file("a", "X", 3);
  c.source_path = partial(1, "xxx");
  int runs = 0;
  std::vector<rules::batch_write> batch;
  batch.push_back({[&](txn& t, rules::orphan_list& o) {
    ++runs;
    rules::store_object(t, blobs, c, o);
  }});
  batch.push_back(put(make_task(4, 7, task_state::waiting)));
  batch.push_back({[](txn& t, rules::orphan_list&) {
    put_task(t, make_task(5, 7, task_state::waiting));
    throw rules::refusal(ec::invalid_state, "no");
  }});
  rules::commit_batch(*db, blobs, batch);
  BOOST_CHECK_EQUAL(runs, 2);
  BOOST_CHECK(batch[0].code == ec::none);
  BOOST_CHECK(batch[1].code == ec::none);
  BOOST_CHECK(batch[2].code == ec::invalid_state);
  BOOST_CHECK(blob_file("blobX"));
  BOOST_CHECK(!std::filesystem::exists(c.source_path));
  auto t = db->read();
  BOOST_CHECK(get_object(t, "b", "a"));
  BOOST_CHECK_EQUAL(blob_refs(t, "blobX"), 1u);
  BOOST_CHECK(get_task(t, 4));
  BOOST_CHECK(!get_task(t, 5));
  auto n = get_counters(t, 7);
  BOOST_CHECK_EQUAL(n.counts[static_cast<size_t>(task_state::waiting)], 1u);
}

BOOST_AUTO_TEST_CASE(a_batch_without_failures_runs_each_write_once) {
  int runs = 0;
  std::vector<rules::batch_write> batch;
  for (task_seq seq = 1; seq <= 3; ++seq)
    batch.push_back({[&runs, seq](txn& t, rules::orphan_list&) {
      ++runs;
      put_task(t, make_task(seq, 7, task_state::waiting));
    }});
  rules::commit_batch(*db, blobs, batch);
  BOOST_CHECK_EQUAL(runs, 3);
  auto t = db->read();
  BOOST_CHECK_EQUAL(
      get_counters(t, 7).counts[static_cast<size_t>(task_state::waiting)], 3u);
}

BOOST_AUTO_TEST_CASE(an_empty_batch_is_fine) {
  std::vector<rules::batch_write> batch;
  rules::commit_batch(*db, blobs, batch);
  BOOST_CHECK(batch.empty());
}

BOOST_AUTO_TEST_SUITE_END()
