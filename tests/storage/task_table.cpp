#define BOOST_TEST_MODULE storage_tables
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "storage/lmdb_env.hpp"
#include "storage/task_table.hpp"
#include "storage/user_table.hpp"

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
};

task_record make(task_seq seq, user_id owner, task_state s) {
  task_record r;
  r.seq = seq;
  r.owner = owner;
  r.state = s;
  r.spec.url = "http://x/" + std::to_string(seq);
  return r;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(tasks, temp_db)

BOOST_AUTO_TEST_CASE(counters_follow_state_changes) {
  {
    auto t = env->write();
    put_task(t, make(1, 1, task_state::waiting));
    put_task(t, make(2, 1, task_state::waiting));
    put_task(t, make(3, 2, task_state::waiting));
    t.commit();
  }
  {
    auto t = env->write();
    put_task(t, make(1, 1, task_state::downloading));
    put_task(t, make(2, 1, task_state::waiting)); // unchanged state
    t.commit();
  }
  auto t = env->read();
  auto c = get_counters(t, 1);
  BOOST_CHECK_EQUAL(c.counts[size_t(task_state::waiting)], 1u);
  BOOST_CHECK_EQUAL(c.counts[size_t(task_state::downloading)], 1u);
  BOOST_CHECK_EQUAL(get_counters(t, 2).counts[0], 1u);
  BOOST_CHECK_EQUAL(last_task_seq(t), 3u);
}

BOOST_AUTO_TEST_CASE(erase_drops_indexes_and_counters) {
  {
    auto t = env->write();
    put_task(t, make(1, 1, task_state::paused));
    t.commit();
  }
  {
    auto t = env->write();
    BOOST_CHECK(erase_task(t, 1));
    BOOST_CHECK(!erase_task(t, 1));
    t.commit();
  }
  auto t = env->read();
  BOOST_CHECK(!get_task(t, 1));
  BOOST_CHECK_EQUAL(get_counters(t, 1).counts[size_t(task_state::paused)], 0u);
  BOOST_CHECK(list_tasks(t, 1, task_query{}).tasks.empty());
  // Ids are never reused, even after a delete.
  BOOST_CHECK_EQUAL(last_task_seq(t), 1u);
}

BOOST_AUTO_TEST_CASE(listing_pages_in_creation_order_per_owner) {
  {
    auto t = env->write();
    for (task_seq i = 1; i <= 10; ++i)
      put_task(t, make(i, i % 2 == 0 ? 1 : 2,
                       i <= 4 ? task_state::finished : task_state::waiting));
    t.commit();
  }
  auto t = env->read();
  task_query q;
  q.limit = 2;
  auto p1 = list_tasks(t, 1, q);
  BOOST_REQUIRE_EQUAL(p1.tasks.size(), 2u);
  BOOST_CHECK_EQUAL(p1.tasks[0].rec.seq, 2u);
  BOOST_CHECK_EQUAL(p1.tasks[1].rec.seq, 4u);
  BOOST_CHECK_EQUAL(p1.next, 4u);
  q.after = p1.next;
  auto p2 = list_tasks(t, 1, q);
  BOOST_REQUIRE_EQUAL(p2.tasks.size(), 2u);
  BOOST_CHECK_EQUAL(p2.tasks[0].rec.seq, 6u);
  q.after = 0;
  q.offset = 4;
  auto p3 = list_tasks(t, 1, q);
  BOOST_REQUIRE_EQUAL(p3.tasks.size(), 1u);
  BOOST_CHECK_EQUAL(p3.tasks[0].rec.seq, 10u);
  BOOST_CHECK_EQUAL(p3.next, 0u);
  task_query fin;
  fin.state = static_cast<uint8_t>(task_state::finished);
  auto p4 = list_tasks(t, 1, fin);
  BOOST_REQUIRE_EQUAL(p4.tasks.size(), 2u);
  for (auto& ts : p4.tasks)
    BOOST_CHECK_EQUAL(ts.rec.owner, 1u);
  std::vector<task_seq> waiting;
  for_each_task_in_state(t, task_state::waiting, [&](task_seq s) {
    waiting.push_back(s);
    return true;
  });
  BOOST_CHECK_EQUAL(waiting.size(), 6u);
  BOOST_CHECK_EQUAL(waiting.front(), 5u);
}

BOOST_AUTO_TEST_CASE(users_are_found_by_key_only_with_the_right_key) {
  new_user u;
  {
    auto t = env->write();
    u = make_user(next_user_id(t), "alice", false, 1);
    put_user(t, u.rec);
    t.commit();
  }
  auto t = env->read();
  auto found = find_user_by_api_key(t, u.api_key);
  BOOST_REQUIRE(found);
  BOOST_CHECK_EQUAL(found->name, "alice");
  BOOST_CHECK(!find_user_by_api_key(t, u.api_key + "x"));
  BOOST_CHECK(!find_user_by_api_key(t, ""));
  BOOST_CHECK(find_user_by_access_key(t, u.rec.access_key));
  BOOST_CHECK(find_user_by_name(t, "alice"));
  BOOST_CHECK(u.rec.api_key_hash != u.api_key);
  BOOST_CHECK_EQUAL(u.rec.access_key.size(), 21u);
}

BOOST_AUTO_TEST_CASE(users_are_found_by_email_and_passkey_and_rotate) {
  new_user u;
  {
    auto t = env->write();
    u = make_user(next_user_id(t), "bob", false, 1);
    u.rec.email = normalize_email(" Bob@Example.ORG ");
    put_user(t, u.rec);
    t.commit();
  }
  BOOST_CHECK_EQUAL(u.rec.email, "bob@example.org");
  BOOST_CHECK_EQUAL(u.rec.passkey.size(), 32u);
  BOOST_CHECK(credential_matches(u.rec, u.credential));
  BOOST_CHECK(!credential_matches(u.rec, u.credential + "x"));
  BOOST_CHECK(!credential_matches(u.rec, ""));
  {
    auto t = env->read();
    auto by_mail = find_user_by_email(t, "BOB@example.org");
    BOOST_REQUIRE(by_mail);
    BOOST_CHECK_EQUAL(by_mail->name, "bob");
    BOOST_CHECK(!find_user_by_email(t, "bob@example.net"));
    BOOST_CHECK(!find_user_by_email(t, "not an address"));
    auto by_key = find_user_by_passkey(t, u.rec.passkey);
    BOOST_REQUIRE(by_key);
    BOOST_CHECK_EQUAL(by_key->id, u.rec.id);
    BOOST_CHECK(!find_user_by_passkey(t, ""));
  }
  // A rotated credential and passkey replace the old ones.
  auto old = u.rec;
  auto fresh = rotate_credential(u.rec);
  {
    auto t = env->write();
    put_user(t, u.rec);
    t.commit();
  }
  auto t = env->read();
  BOOST_CHECK(!find_user_by_passkey(t, old.passkey));
  BOOST_CHECK(find_user_by_passkey(t, u.rec.passkey));
  auto stored = get_user(t, u.rec.id);
  BOOST_REQUIRE(stored);
  BOOST_CHECK(credential_matches(*stored, fresh));
  BOOST_CHECK(!credential_matches(*stored, u.credential));
}

BOOST_AUTO_TEST_CASE(an_email_belongs_to_one_user) {
  auto t = env->write();
  auto a = make_user(next_user_id(t), "carol", false, 1);
  a.rec.email = "carol@example.org";
  put_user(t, a.rec);
  auto b = make_user(next_user_id(t), "dave", false, 1);
  b.rec.email = "carol@example.org";
  BOOST_CHECK_THROW(put_user(t, b.rec), std::invalid_argument);
  // Its owner may put the record again, and give the address up.
  BOOST_CHECK_NO_THROW(put_user(t, a.rec));
  a.rec.email.clear();
  put_user(t, a.rec);
  BOOST_CHECK(!find_user_by_email(t, "carol@example.org"));
  BOOST_CHECK_NO_THROW(put_user(t, b.rec));
}

BOOST_AUTO_TEST_CASE(emails_are_checked_for_shape) {
  BOOST_CHECK_EQUAL(normalize_email("a@b"), "a@b");
  BOOST_CHECK_EQUAL(normalize_email("@b"), "");
  BOOST_CHECK_EQUAL(normalize_email("a@"), "");
  BOOST_CHECK_EQUAL(normalize_email("a@b@c"), "");
  BOOST_CHECK_EQUAL(normalize_email("a b@c"), "");
  BOOST_CHECK_EQUAL(normalize_email(std::string(250, 'a') + "@b.cd"), "");
}

BOOST_AUTO_TEST_SUITE_END()
