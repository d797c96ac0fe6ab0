#include <boost/test/unit_test.hpp>

// The community's transaction bodies: permissions, the once-only upload,
// levels, and transfer batches raising figures.

#include "storage/level_table.hpp"
#include "storage/post_table.hpp"
#include "storage/rules/community.hpp"
#include "storage/rules/group_commit.hpp"
#include "storage/rules/transfers.hpp"
#include "storage/seed_table.hpp"
#include "storage/task_table.hpp"
#include "storage/user_table.hpp"
#include "tests/support/scratch.hpp"

#include <memory>

using namespace skyhaul;
namespace rules = skyhaul::storage::rules;

namespace {

struct community_fixture {
  test::scratch dir{"skyhaul-community"};
  std::unique_ptr<storage::lmdb_env> db
      = std::make_unique<storage::lmdb_env>(dir.dir + "/db", 64 << 20);

  community_fixture() {
    auto t = db->write();
    storage::seed_levels(t);
    for (auto [id, level] : {std::pair<user_id, uint32_t>{1, 3}, {2, 1}}) {
      auto u = storage::make_user(id, "u" + std::to_string(id), false, level);
      storage::put_user(t, u.rec);
    }
    t.commit();
  }

  /// Applies `w`; the refusal's code, or ec::none.
  ec apply(const community_write& w, community_outcome* out = nullptr) {
    auto t = db->write();
    try {
      auto o = rules::apply_community(t, w, 1000);
      t.commit();
      if (out != nullptr)
        *out = o;
      return ec::none;
    } catch (const rules::refusal& r) {
      return r.code;
    }
  }

  community_write post_by(user_id uid, uint32_t min_level) {
    community_write w;
    w.op = community_op::create_post;
    w.caller = uid;
    w.post.title = "t";
    w.post.min_level = min_level;
    return w;
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(min_level_at_most_the_authors_own, community_fixture) {
  community_outcome out;
  BOOST_CHECK(apply(post_by(1, 3), &out) == ec::none);
  BOOST_CHECK_EQUAL(out.post.pid, 1u);
  BOOST_CHECK_EQUAL(out.post.author, 1u);
  BOOST_CHECK(apply(post_by(1, 4)) == ec::forbidden);
  BOOST_CHECK(apply(post_by(1, 99)) == ec::invalid_argument);
  auto admin = post_by(2, 8);
  admin.admin = true;
  BOOST_CHECK(apply(admin) == ec::none);
}

BOOST_FIXTURE_TEST_CASE(only_the_author_edits_and_uploads_once,
                        community_fixture) {
  community_outcome out;
  BOOST_REQUIRE(apply(post_by(1, 1), &out) == ec::none);
  community_write edit = post_by(2, 1);
  edit.op = community_op::update_post;
  edit.id = out.post.pid;
  BOOST_CHECK(apply(edit) == ec::forbidden);
  community_write meta;
  meta.op = community_op::put_metainfo;
  meta.caller = 1;
  meta.id = out.post.pid;
  meta.post.info_hash = std::string(40, 'a');
  meta.post.size = 5;
  meta.torrent = "d4:infod...e";
  BOOST_CHECK(apply(meta) == ec::none);
  BOOST_CHECK(apply(meta) == ec::key_exists);
  // The same torrent on another post.
  community_outcome second;
  BOOST_REQUIRE(apply(post_by(1, 1), &second) == ec::none);
  meta.id = second.post.pid;
  BOOST_CHECK(apply(meta) == ec::key_exists);
  auto t = db->read();
  BOOST_CHECK(storage::find_post_by_hash(t, std::string(40, 'a'))
              == out.post.pid);
}

BOOST_FIXTURE_TEST_CASE(threads_average_rates_and_go_with_the_post,
                        community_fixture) {
  community_outcome out;
  BOOST_REQUIRE(apply(post_by(1, 1), &out) == ec::none);
  for (uint32_t rate : {5u, 0u, 2u}) {
    community_write th;
    th.op = community_op::add_thread;
    th.caller = 2;
    th.id = out.post.pid;
    th.thread.content = "c";
    th.thread.rate = rate;
    BOOST_REQUIRE(apply(th, &out) == ec::none);
  }
  BOOST_CHECK_EQUAL(out.post.thread_count, 3u);
  BOOST_CHECK_EQUAL(out.post.rate_sum, 7u);
  BOOST_CHECK_EQUAL(out.post.rate_count, 2u);
  community_write del;
  del.op = community_op::delete_post;
  del.caller = 2;
  del.id = out.post.pid;
  BOOST_CHECK(apply(del) == ec::forbidden);
  del.caller = 1;
  BOOST_CHECK(apply(del) == ec::none);
  auto t = db->read();
  BOOST_CHECK(!storage::get_post(t, out.post.pid));
  BOOST_CHECK(storage::thread_page(t, out.post.pid, 0, 10).empty());
}

BOOST_FIXTURE_TEST_CASE(transfers_raise_figures_and_levels,
                        community_fixture) {
  transfer_batch b;
  transfer_delta d;
  d.uid = 2;
  d.info_hash = std::string(20, 'h');
  d.uploaded = uint64_t{150} << 20; // 150 credits
  d.downloaded = 7;
  peer_session s;
  s.peer_id = "p";
  s.uploaded = d.uploaded;
  d.sessions.push_back(s);
  b.deltas.push_back(d);
  {
    auto t = db->write();
    rules::apply_transfers(t, b);
    t.commit();
  }
  auto t = db->read();
  auto f = storage::get_figures(t, 2);
  BOOST_CHECK_EQUAL(f.uploaded, uint64_t{150} << 20);
  BOOST_CHECK_EQUAL(f.downloaded, 7u);
  BOOST_CHECK_EQUAL(storage::credit_of(f), 150u);
  auto user = storage::get_user(t, 2);
  BOOST_REQUIRE(user);
  // 150 credits: Rudimentary (100).
  BOOST_CHECK_EQUAL(storage::level_of(t, *user).lid, 2u);
  auto c = storage::get_counter(t, 2, d.info_hash);
  BOOST_REQUIRE_EQUAL(c.sessions.size(), 1u);
  BOOST_CHECK_EQUAL(c.sessions[0].uploaded, d.uploaded);
  // A user whose starting level is higher keeps it.
  auto one = storage::get_user(t, 1);
  BOOST_CHECK_EQUAL(storage::level_of(t, *one).lid, 3u);
}

/// A post from a finished task names its stored blobs for the seed, in the
/// post's transaction; a task of someone else, or one not finished, makes
/// nothing; the seed goes with the post.
BOOST_FIXTURE_TEST_CASE(a_post_from_a_task_records_its_seed,
                        community_fixture) {
  task_record rec;
  rec.seq = 7;
  rec.owner = 1;
  rec.state = task_state::downloading;
  file_record f;
  f.name = "pack/a.bin";
  f.blob = std::string(40, 'b');
  f.size = 9;
  rec.files.push_back(f);
  {
    auto t = db->write();
    storage::put_task(t, rec, nullptr);
    t.commit();
  }
  auto w = post_by(1, 1);
  w.from_task = 7;
  w.torrent = "d4:infod...e";
  w.post.info_hash = std::string(40, 'c');
  BOOST_CHECK(apply(w) == ec::invalid_state);
  rec.state = task_state::finished;
  {
    auto t = db->write();
    auto old = storage::get_task(t, 7);
    storage::put_task(t, rec, &*old);
    t.commit();
  }
  auto other = w;
  other.caller = 2;
  BOOST_CHECK(apply(other) == ec::not_found);
  {
    auto t = db->read();
    BOOST_CHECK(!storage::find_post_by_hash(t, std::string(40, 'c')));
  }
  community_outcome out;
  BOOST_REQUIRE(apply(w, &out) == ec::none);
  {
    auto t = db->read();
    auto seed = storage::get_seed(t, out.post.pid);
    BOOST_REQUIRE(seed);
    BOOST_CHECK_EQUAL(seed->author, 1u);
    BOOST_CHECK_EQUAL(seed->task, 7u);
    BOOST_CHECK_EQUAL(seed->info_hash, std::string(40, 'c'));
    BOOST_REQUIRE_EQUAL(seed->files.size(), 1u);
    BOOST_CHECK_EQUAL(seed->files[0].path, "pack/a.bin");
    BOOST_CHECK_EQUAL(seed->files[0].blob, std::string(40, 'b'));
  }
  community_write del;
  del.op = community_op::delete_post;
  del.caller = 1;
  del.id = out.post.pid;
  BOOST_REQUIRE(apply(del) == ec::none);
  auto t = db->read();
  BOOST_CHECK(!storage::get_seed(t, out.post.pid));
}
