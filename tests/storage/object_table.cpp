#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"

using namespace skyhaul;
using namespace skyhaul::storage;

namespace {

struct objects_db {
  std::string dir;
  std::unique_ptr<lmdb_env> env;
  objects_db() {
    char tmpl[] = "/tmp/skyhaul-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    env = std::make_unique<lmdb_env>(dir, 64 << 20);
  }
  ~objects_db() {
    env.reset();
    std::filesystem::remove_all(dir);
  }
  object_commit_result put(const std::string& key, const std::string& blob,
                           on_key_exist rule,
                           std::vector<std::string>& orphans) {
    object_commit c;
    c.owner = 1;
    c.bucket = "b";
    c.file.key = key;
    c.file.blob = blob;
    c.file.md5 = "md5-" + blob;
    c.file.sha1 = blob;
    c.file.size = blob.size();
    c.rule = rule;
    auto t = env->write();
    auto res = commit_object(t, c, orphans);
    t.commit();
    return res;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(objects, objects_db)

BOOST_AUTO_TEST_CASE(override_replaces_and_frees_the_old_blob) {
  std::vector<std::string> orphans;
  BOOST_CHECK(put("k", "aaaa", on_key_exist::override_, orphans).file.concrete);
  BOOST_CHECK(put("k", "bbbb", on_key_exist::override_, orphans).file.concrete);
  BOOST_REQUIRE_EQUAL(orphans.size(), 1u);
  BOOST_CHECK_EQUAL(orphans[0], "aaaa");
  auto t = env->read();
  BOOST_CHECK_EQUAL(get_object(t, "b", "k")->file.blob, "bbbb");
  BOOST_CHECK_EQUAL(blob_refs(t, "aaaa"), 0u);
  BOOST_CHECK_EQUAL(blob_refs(t, "bbbb"), 1u);
  BOOST_CHECK_EQUAL(*bucket_owner(t, "b"), 1u);
}

// Three tasks of one torrent store one key with the same bytes in the same
// millisecond: each write gets a commit time of its own, which is how a
// delete with data tells its object from the others'.
BOOST_AUTO_TEST_CASE(writes_of_one_key_never_share_a_commit_time) {
  std::vector<std::string> orphans;
  std::vector<int64_t> times;
  for (int i = 0; i < 3; ++i)
    times.push_back(
        put("k", "aaaa", on_key_exist::override_, orphans).file.last_modified_ms);
  BOOST_CHECK_EQUAL(times[1], times[0] + 1);
  BOOST_CHECK_EQUAL(times[2], times[0] + 2);
  auto t = env->read();
  BOOST_CHECK_EQUAL(get_object(t, "b", "k")->file.last_modified_ms, times[2]);
  BOOST_CHECK(orphans.empty());
}

BOOST_AUTO_TEST_CASE(ignore_keeps_the_existing_object) {
  std::vector<std::string> orphans;
  put("k", "aaaa", on_key_exist::override_, orphans);
  auto res = put("k", "bbbb", on_key_exist::ignore, orphans);
  BOOST_CHECK(!res.file.concrete);
  BOOST_CHECK_EQUAL(res.file.blob, "aaaa");
  // The unreferenced new blob may be dropped.
  BOOST_REQUIRE_EQUAL(orphans.size(), 1u);
  BOOST_CHECK_EQUAL(orphans[0], "bbbb");
}

BOOST_AUTO_TEST_CASE(shared_blobs_are_counted) {
  std::vector<std::string> orphans;
  put("k1", "aaaa", on_key_exist::override_, orphans);
  put("k2", "aaaa", on_key_exist::override_, orphans);
  {
    auto t = env->write();
    BOOST_CHECK(erase_object(t, "b", "k1", orphans));
    t.commit();
  }
  BOOST_CHECK(orphans.empty());
  {
    auto t = env->write();
    BOOST_CHECK(erase_object(t, "b", "k2", orphans));
    BOOST_CHECK(!erase_object(t, "b", "k2", orphans));
    t.commit();
  }
  BOOST_REQUIRE_EQUAL(orphans.size(), 1u);
}

BOOST_AUTO_TEST_CASE(rules_match_only_with_given_values) {
  file_record e;
  e.md5 = "m";
  e.sha1 = "s";
  e.crc32 = "c";
  e.size = 5;
  BOOST_CHECK(rule_keeps_existing(on_key_exist::ignore_same_md5, e, "m", "",
                                  "", -1));
  BOOST_CHECK(!rule_keeps_existing(on_key_exist::ignore_same_md5, e, "", "",
                                   "", -1));
  BOOST_CHECK(!rule_keeps_existing(on_key_exist::ignore_same_sha1, e, "m",
                                   "x", "", -1));
  BOOST_CHECK(rule_keeps_existing(on_key_exist::ignore_same_checksum, e, "x",
                                  "", "c", -1));
  BOOST_CHECK(rule_keeps_existing(on_key_exist::ignore_same_size, e, "", "",
                                  "", 5));
  BOOST_CHECK(!rule_keeps_existing(on_key_exist::ignore_same_size, e, "", "",
                                   "", -1));
  BOOST_CHECK(!rule_keeps_existing(on_key_exist::override_, e, "m", "s", "c",
                                   5));
  BOOST_CHECK(rule_keeps_existing(on_key_exist::ignore, e, "", "", "", -1));
}

BOOST_AUTO_TEST_SUITE_END()
