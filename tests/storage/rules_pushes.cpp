#include <boost/test/unit_test.hpp>

#include "storage/push_table.hpp"
#include "storage/remote_account_table.hpp"
#include "storage/rules/commit_task.hpp"
#include "storage/rules/group_commit.hpp"
#include "storage/rules/pushes.hpp"
#include "storage/task_table.hpp"
#include "tests/storage/rules_fixture.hpp"

using namespace skyhaul;
using namespace skyhaul::storage;
using namespace skyhaul::test;

namespace {

/// User 7 with an SFTP account, and user 8 with none.
struct pushing : rules_fixture {
  uint64_t account = 0;

  pushing() {
    remote_account acc;
    acc.owner = 7;
    acc.type = "sftp";
    acc.host = "sftp.example.org";
    acc.port = 22;
    acc.secret_sealed = "sealed";
    auto t = db->write();
    account = rules::add_account(t, acc, 2, 500);
    t.commit();
  }

  /// Finishes task `seq` of `owner` with two files, pushed to `acc`.
  rules::task_commit finish(task_seq seq, user_id owner, uint64_t acc,
                            const std::string& folder = "in") {
    auto rec = make_task(seq, owner, task_state::finished);
    rec.spec.remote_account = acc;
    rec.spec.remote_folder = folder;
    rec.files = {make_file("k1", "A", 1), make_file("k2", "B", 2)};
    rec.files[0].name = "a.bin";
    rec.files[1].name = "dir/b.bin";
    auto t = db->write();
    auto out = rules::commit_task(t, rec, {}, callbacks, 1000);
    t.commit();
    return out;
  }

  bool report(push_job job, const std::string& err, bool final = false,
              const std::string& host_key = {}) {
    ++job.tries;
    push_attempt a{job, err, final, host_key};
    auto t = db->write();
    auto again = rules::record_push(t, a, 3);
    t.commit();
    return again;
  }

  std::vector<push_job> jobs() {
    auto t = db->read();
    return list_pushes(t);
  }

  std::vector<push_outcome> status(task_seq seq) {
    auto t = db->read();
    return push_status(t, seq);
  }

  remote_account stored() {
    auto t = db->read();
    return *get_remote_account(t, account);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(push_rules, pushing)

BOOST_AUTO_TEST_CASE(a_finished_task_owes_one_push_per_file) {
  BOOST_CHECK(finish(1, 7, account).pushes);
  auto owed = jobs();
  BOOST_REQUIRE_EQUAL(owed.size(), 2u);
  BOOST_CHECK_EQUAL(owed[0].remote_path, "in/a.bin");
  BOOST_CHECK_EQUAL(owed[1].remote_path, "in/dir/b.bin");
  BOOST_CHECK_EQUAL(owed[1].account, account);
  auto st = status(1);
  BOOST_REQUIRE_EQUAL(st.size(), 2u);
  BOOST_CHECK(st[0].state == push_state::queued);
  // The same record again owes nothing more.
  BOOST_CHECK(!finish(1, 7, account).pushes);
  BOOST_CHECK_EQUAL(jobs().size(), 2u);
}

BOOST_AUTO_TEST_CASE(outcomes_count_usage_pin_the_key_and_retry) {
  finish(1, 7, account);
  auto owed = jobs();
  BOOST_CHECK(!report(owed[0], "", false, "SHA256:abc"));
  BOOST_CHECK(report(owed[1], "connection refused"));
  auto st = status(1);
  BOOST_CHECK(st[0].state == push_state::done);
  BOOST_CHECK_EQUAL(st[0].bytes, 1u);
  BOOST_CHECK(st[1].state == push_state::retrying);
  BOOST_CHECK_EQUAL(st[1].error, "connection refused");
  BOOST_CHECK_EQUAL(stored().usage, 1u);
  BOOST_CHECK_EQUAL(stored().host_key, "SHA256:abc");
  // A pinned key is not replaced by what a later attempt saw.
  auto job = owed[1];
  job.tries = 2;
  BOOST_CHECK(!report(job, "", false, "SHA256:other"));
  BOOST_CHECK_EQUAL(stored().host_key, "SHA256:abc");
  BOOST_CHECK_EQUAL(stored().usage, 3u);
  BOOST_CHECK(jobs().empty());
  BOOST_CHECK(status(1)[1].state == push_state::done);
}

BOOST_AUTO_TEST_CASE(a_final_or_last_failure_ends_the_job) {
  finish(1, 7, account);
  auto owed = jobs();
  BOOST_CHECK(!report(owed[0], "host key changed", true));
  auto job = owed[1];
  job.tries = 2;
  BOOST_CHECK(!report(job, "timeout"));
  auto st = status(1);
  BOOST_CHECK(st[0].state == push_state::failed);
  BOOST_CHECK(st[1].state == push_state::failed);
  BOOST_CHECK_EQUAL(st[1].tries, 3u);
  BOOST_CHECK(jobs().empty());
  BOOST_CHECK_EQUAL(stored().usage, 0u);
  // An unknown job changes nothing.
  BOOST_CHECK(!report(job, ""));
  BOOST_CHECK_EQUAL(stored().usage, 0u);
}

BOOST_AUTO_TEST_CASE(an_open_upload_is_kept_for_the_next_attempt) {
  finish(1, 7, account);
  auto owed = jobs();
  // The upload began and the remote confirmed a part: the stored job
  // keeps them, whatever else the progress carries.
  push_job progress;
  progress.id = owed[0].id;
  progress.upload_id = "up-1";
  progress.part_size = 5 << 20;
  progress.part_md5s = {std::string(32, 'a')};
  progress.tries = 99;
  {
    auto t = db->write();
    rules::record_push_progress(t, progress);
    t.commit();
  }
  auto now = jobs();
  BOOST_CHECK_EQUAL(now[0].upload_id, "up-1");
  BOOST_CHECK_EQUAL(now[0].part_size, 5u << 20);
  BOOST_REQUIRE_EQUAL(now[0].part_md5s.size(), 1u);
  BOOST_CHECK_EQUAL(now[0].tries, 0u);
  BOOST_CHECK(now[1].upload_id.empty());
  // A failed attempt stores the upload it leaves open.
  auto job = now[0];
  job.part_md5s.push_back(std::string(32, 'b'));
  BOOST_CHECK(report(job, "HTTP 503"));
  BOOST_CHECK_EQUAL(jobs()[0].part_md5s.size(), 2u);
  // A job that ended takes no progress.
  BOOST_CHECK(!report(jobs()[0], ""));
  progress.upload_id = "up-2";
  {
    auto t = db->write();
    rules::record_push_progress(t, progress);
    t.commit();
  }
  BOOST_REQUIRE_EQUAL(jobs().size(), 1u);
  BOOST_CHECK(jobs()[0].upload_id.empty());
}

BOOST_AUTO_TEST_CASE(another_users_account_is_never_pushed_to) {
  BOOST_CHECK(!finish(2, 8, account).pushes);
  BOOST_CHECK(jobs().empty());
  auto st = status(2);
  BOOST_REQUIRE_EQUAL(st.size(), 2u);
  BOOST_CHECK(st[0].state == push_state::failed);
  BOOST_CHECK_EQUAL(st[0].error, "no such remote account");
  auto t = db->write();
  BOOST_CHECK_THROW(rules::remove_account(t, 8, account), rules::refusal);
}

BOOST_AUTO_TEST_CASE(removing_an_account_fails_what_it_still_owes) {
  finish(1, 7, account);
  {
    auto t = db->write();
    rules::remove_account(t, 7, account);
    t.commit();
  }
  BOOST_CHECK(!report(jobs()[0], "", false));
  BOOST_CHECK(status(1)[0].state == push_state::failed);
}

BOOST_AUTO_TEST_CASE(accounts_per_user_are_bounded) {
  remote_account acc;
  acc.owner = 7;
  acc.type = "ftp";
  auto t = db->write();
  rules::add_account(t, acc, 2, 0);
  BOOST_CHECK_THROW(rules::add_account(t, acc, 2, 0), rules::refusal);
  BOOST_CHECK_EQUAL(list_remote_accounts(t, 7).size(), 2u);
  BOOST_CHECK(list_remote_accounts(t, 8).empty());
}

BOOST_AUTO_TEST_CASE(remote_paths_never_climb) {
  BOOST_CHECK_EQUAL(*rules::join_remote_path("/a//b/./", "c"), "a/b/c");
  BOOST_CHECK_EQUAL(*rules::join_remote_path("", "x/y"), "x/y");
  BOOST_CHECK(!rules::join_remote_path("a/..", "c"));
  BOOST_CHECK(!rules::join_remote_path("a", "../c"));
}

BOOST_AUTO_TEST_CASE(a_deleted_task_takes_its_outcomes) {
  finish(1, 7, account);
  {
    auto t = db->write();
    rules::erase_task_record(t, 1);
    t.commit();
  }
  BOOST_CHECK(status(1).empty());
  // Its owed jobs end without bringing an outcome back.
  BOOST_CHECK(!report(jobs()[0], ""));
  BOOST_CHECK(status(1).empty());
}

BOOST_AUTO_TEST_SUITE_END()
