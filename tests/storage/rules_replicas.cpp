#include <boost/test/unit_test.hpp>

#include "storage/outbox_table.hpp"
#include "storage/replica_table.hpp"
#include "storage/rules/commit_task.hpp"
#include "storage/rules/replicas.hpp"
#include "storage/task_table.hpp"
#include "tests/storage/rules_fixture.hpp"

using namespace skyhaul;
using namespace skyhaul::storage;
using namespace skyhaul::test;

namespace {

/// A finished task with one concrete file, owed to two IDCs.
struct replicated : rules_fixture {
  std::vector<replica_job> jobs;

  replicated() {
    auto rec = make_task(1, 7, task_state::finished);
    rec.files = {make_file("a", "A", 1)};
    auto t = db->write();
    rules::commit_task(t, rec, {"east", "west"}, callbacks, 1000);
    t.commit();
    auto r = db->read();
    jobs = list_replicas(r);
  }

  rules::replica_outcome report(replica_job job, const std::string& err,
                                uint32_t max_tries = 3) {
    ++job.tries;
    auto t = db->write();
    auto out = rules::record_replica(t, callbacks, job, err, max_tries, 2000);
    t.commit();
    return out;
  }

  file_record file() {
    auto t = db->read();
    return get_task(t, 1)->files.at(0);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(replica_rules, replicated)

BOOST_AUTO_TEST_CASE(success_is_owed_after_the_last_first_attempt) {
  BOOST_REQUIRE_EQUAL(jobs.size(), 2u);
  auto east = report(jobs[0], "");
  BOOST_CHECK(!east.again);
  BOOST_CHECK_EQUAL(east.event, 0u);
  auto west = report(jobs[1], "503 from the IDC");
  BOOST_CHECK(west.again);
  BOOST_CHECK_NE(west.event, 0u);
  auto f = file();
  BOOST_CHECK(f.idc_ok == std::vector<std::string>{"east"});
  BOOST_CHECK(f.idc_failed == std::vector<std::string>{"west"});
  auto t = db->read();
  auto owed = owed_events(t);
  BOOST_REQUIRE_EQUAL(owed.size(), 1u);
  BOOST_CHECK(owed[0].kind == callback_kind::success);
  auto left = list_replicas(t);
  BOOST_REQUIRE_EQUAL(left.size(), 1u);
  BOOST_CHECK(left[0].reported);
}

BOOST_AUTO_TEST_CASE(a_retry_that_succeeds_moves_the_idc) {
  report(jobs[0], "");
  auto job = jobs[1];
  job.tries = 1;
  auto first = report(job, "timeout");
  BOOST_CHECK(first.again);
  job.tries = 1;
  auto second = report(job, "");
  BOOST_CHECK(!second.again);
  // Later reports owe no second success callback.
  BOOST_CHECK_EQUAL(second.event, 0u);
  auto f = file();
  BOOST_CHECK(f.idc_ok == (std::vector<std::string>{"east", "west"}));
  BOOST_CHECK(f.idc_failed.empty());
  auto t = db->read();
  BOOST_CHECK(list_replicas(t).empty());
  BOOST_CHECK_EQUAL(owed_events(t).size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_job_ends_after_its_last_try) {
  auto job = jobs[0];
  job.tries = 2;
  auto out = report(job, "refused", 3);
  BOOST_CHECK(!out.again);
  auto t = db->read();
  BOOST_CHECK(!get_replica(t, job.id));
}

BOOST_AUTO_TEST_CASE(an_unknown_job_changes_nothing) {
  auto job = jobs[0];
  job.id = 999;
  auto out = report(job, "");
  BOOST_CHECK(!out.again);
  BOOST_CHECK_EQUAL(out.event, 0u);
  BOOST_CHECK(file().idc_ok.empty());
}

BOOST_AUTO_TEST_CASE(an_open_upload_is_kept_for_the_next_attempt) {
  auto progress = jobs[0];
  // Only the multipart state counts: other fields are not the caller's.
  progress.tries = 7;
  progress.key = "elsewhere";
  progress.upload_id = "u-1";
  progress.part_size = 5 << 20;
  progress.part_md5s = {std::string(32, 'a')};
  {
    auto t = db->write();
    rules::record_upload_progress(t, progress);
    t.commit();
  }
  {
    auto t = db->read();
    auto stored = get_replica(t, jobs[0].id);
    BOOST_REQUIRE(stored);
    BOOST_CHECK_EQUAL(stored->upload_id, "u-1");
    BOOST_CHECK_EQUAL(stored->part_size, 5u << 20);
    BOOST_CHECK(stored->part_md5s == progress.part_md5s);
    BOOST_CHECK_EQUAL(stored->tries, 0u);
    BOOST_CHECK_EQUAL(stored->key, jobs[0].key);
  }
  // A failed attempt's job carries the upload it leaves open.
  auto failed = jobs[0];
  failed.upload_id = "u-1";
  failed.part_size = 5 << 20;
  failed.part_md5s = {std::string(32, 'a'), std::string(32, 'b')};
  BOOST_CHECK(report(failed, "HTTP 503").again);
  {
    auto t = db->read();
    auto stored = get_replica(t, jobs[0].id);
    BOOST_REQUIRE(stored);
    BOOST_CHECK_EQUAL(stored->part_md5s.size(), 2u);
  }
  // Progress of a job that ended changes nothing.
  report(jobs[0], "");
  auto t = db->write();
  rules::record_upload_progress(t, progress);
  BOOST_CHECK(!get_replica(t, jobs[0].id));
}

BOOST_AUTO_TEST_CASE(a_finished_task_without_idcs_owes_nothing) {
  auto rec = make_task(2, 7, task_state::finished);
  rec.files = {make_file("b", "B", 1)};
  auto t = db->write();
  BOOST_CHECK(!rules::owe_replicas(t, nullptr, rec, {}, 0));
  // Nor does a task that was finished already.
  BOOST_CHECK(!rules::owe_replicas(t, &rec, rec, {"east"}, 0));
}

BOOST_AUTO_TEST_SUITE_END()
