#include <boost/test/unit_test.hpp>

#include "storage/object_table.hpp"
#include "storage/rules/group_commit.hpp"
#include "storage/rules/object_commit.hpp"
#include "tests/storage/rules_fixture.hpp"

using namespace skyhaul;
using namespace skyhaul::storage;
using namespace skyhaul::test;

namespace {

/// Stores `f` under rule `rule` from a fresh partial file, in a batch of
/// its own; returns the result.
struct committer {
  rules_fixture& fx;
  task_seq next = 1;

  object_commit_result operator()(const file_record& f, on_key_exist rule) {
    object_commit c;
    c.owner = 7;
    c.bucket = "b";
    c.file = f;
    c.rule = rule;
    c.source_path = fx.partial(next++, "bytes of " + f.blob);
    object_commit_result res;
    std::vector<rules::batch_write> batch;
    batch.push_back({[&](txn& t, rules::orphan_list& o) {
      res = rules::store_object(t, fx.blobs, c, o);
    }});
    rules::commit_batch(*fx.db, fx.blobs, batch);
    BOOST_REQUIRE(batch[0].code == ec::none);
    return res;
  }
};

/// The existing object: blob A, size 10, digests "A".
file_record existing() {
  return make_file("k", "A", 10);
}

struct case_t {
  on_key_exist rule;
  file_record incoming;
  bool keeps;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(object_commit_rules, rules_fixture)

BOOST_AUTO_TEST_CASE(every_on_key_exist_rule) {
  auto other = make_file("k", "B", 11);
  auto same_md5 = other;
  same_md5.md5 = "md5-A";
  auto same_sha1 = other;
  same_sha1.sha1 = "sha1-A";
  auto same_crc = other;
  same_crc.crc32 = "crc-A";
  auto same_size = other;
  same_size.size = 10;
  auto no_digests = other;
  no_digests.md5.clear();
  no_digests.sha1.clear();
  no_digests.crc32.clear();
  std::vector<case_t> cases{
      {on_key_exist::override_, same_md5, false},
      {on_key_exist::ignore, other, true},
      {on_key_exist::ignore_same_md5, same_md5, true},
      {on_key_exist::ignore_same_md5, same_sha1, false},
      {on_key_exist::ignore_same_sha1, same_sha1, true},
      {on_key_exist::ignore_same_sha1, same_md5, false},
      {on_key_exist::ignore_same_crc32, same_crc, true},
      {on_key_exist::ignore_same_crc32, same_size, false},
      {on_key_exist::ignore_same_checksum, same_md5, true},
      {on_key_exist::ignore_same_checksum, same_sha1, true},
      {on_key_exist::ignore_same_checksum, same_crc, true},
      {on_key_exist::ignore_same_checksum, same_size, false},
      {on_key_exist::ignore_same_checksum, no_digests, false},
      {on_key_exist::ignore_same_size, same_size, true},
      {on_key_exist::ignore_same_size, same_md5, false},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    BOOST_TEST_CONTEXT("case " << i << ", rule " << to_string(cases[i].rule)) {
      // Each case starts from key k holding blob A alone.
      {
        auto t = db->write();
        rules::orphan_list o;
        erase_object(t, "b", "k", o);
        t.commit();
        for (auto& b : o)
          blobs.remove_blob(b);
      }
      committer put{*this, 100 * (i + 1)};
      put(existing(), on_key_exist::override_);
      auto res = put(cases[i].incoming, cases[i].rule);
      auto t = db->read();
      auto now = get_object(t, "b", "k");
      BOOST_REQUIRE(now);
      if (cases[i].keeps) {
        BOOST_CHECK_EQUAL(res.file.blob, "blobA");
        BOOST_CHECK(!res.file.concrete);
        BOOST_CHECK_EQUAL(now->file.blob, "blobA");
        BOOST_CHECK_EQUAL(blob_refs(t, "blobA"), 1u);
        // The new bytes are referenced by nothing: their file went.
        BOOST_CHECK_EQUAL(blob_refs(t, cases[i].incoming.blob), 0u);
        BOOST_CHECK(!blob_file(cases[i].incoming.blob));
        BOOST_CHECK(blob_file("blobA"));
      } else {
        BOOST_CHECK_EQUAL(res.file.blob, cases[i].incoming.blob);
        BOOST_CHECK(res.file.concrete);
        BOOST_CHECK_EQUAL(now->file.blob, cases[i].incoming.blob);
        BOOST_CHECK_EQUAL(blob_refs(t, cases[i].incoming.blob), 1u);
        // The replaced blob lost its last reference and its file.
        BOOST_CHECK_EQUAL(blob_refs(t, "blobA"), 0u);
        BOOST_CHECK(!blob_file("blobA"));
        BOOST_CHECK(blob_file(cases[i].incoming.blob));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_shared_blob_goes_with_its_last_reference) {
  committer put{*this};
  auto a = make_file("a", "S", 4);
  auto b = a;
  b.key = "b";
  put(a, on_key_exist::override_);
  put(b, on_key_exist::override_);
  {
    auto t = db->read();
    BOOST_CHECK_EQUAL(blob_refs(t, "blobS"), 2u);
  }
  auto erase = [&](const std::string& key) {
    std::vector<rules::batch_write> batch;
    batch.push_back({[key](txn& t, rules::orphan_list& o) {
      erase_object(t, "b", key, o);
    }});
    rules::commit_batch(*db, blobs, batch);
  };
  erase("a");
  BOOST_CHECK(blob_file("blobS"));
  {
    auto t = db->read();
    BOOST_CHECK_EQUAL(blob_refs(t, "blobS"), 1u);
  }
  erase("b");
  BOOST_CHECK(!blob_file("blobS"));
  auto t = db->read();
  BOOST_CHECK_EQUAL(blob_refs(t, "blobS"), 0u);
}

BOOST_AUTO_TEST_CASE(the_same_content_is_stored_once) {
  committer put{*this};
  auto a = make_file("a", "D", 4);
  auto b = a;
  b.key = "b";
  put(a, on_key_exist::override_);
  // The second upload of the same bytes is dropped, not renamed over.
  auto second = partial(99, "dup");
  object_commit c;
  c.owner = 7;
  c.bucket = "b";
  c.file = b;
  c.source_path = second;
  std::vector<rules::batch_write> batch;
  batch.push_back({[&](txn& t, rules::orphan_list& o) {
    rules::store_object(t, blobs, c, o);
  }});
  rules::commit_batch(*db, blobs, batch);
  BOOST_CHECK(!std::filesystem::exists(second));
  auto t = db->read();
  BOOST_CHECK_EQUAL(blob_refs(t, "blobD"), 2u);
}

BOOST_AUTO_TEST_CASE(a_missing_source_fails_the_write_alone) {
  object_commit c;
  c.owner = 7;
  c.bucket = "b";
  c.file = make_file("a", "M", 4);
  c.source_path = dir.dir + "/no/such/file";
  std::vector<rules::batch_write> batch;
  batch.push_back({[&](txn& t, rules::orphan_list& o) {
    rules::store_object(t, blobs, c, o);
  }});
  rules::commit_batch(*db, blobs, batch);
  BOOST_CHECK(batch[0].code == ec::internal_error);
  BOOST_CHECK(!batch[0].error.empty());
  auto t = db->read();
  BOOST_CHECK(!get_object(t, "b", "a"));
  BOOST_CHECK_EQUAL(blob_refs(t, "blobM"), 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_CASE(a_full_map_leaves_no_blob_without_its_object,
                        rules_fixture) {
  // A database of 1 MB and an object row of 2 MB: the rows cannot be
  // written after the file was moved into the blob store.
  lmdb_env small{dir.dir + "/small", 1 << 20};
  object_commit c;
  c.owner = 7;
  c.bucket = "b";
  c.file = make_file("k", "F", 10);
  c.file.content_type = std::string(2 << 20, 'x');
  c.rule = on_key_exist::override_;
  c.source_path = partial(41, "bytes of F");
  std::vector<rules::batch_write> batch;
  batch.push_back({[&](txn& t, rules::orphan_list& o) {
    rules::store_object(t, blobs, c, o);
  }});
  rules::commit_batch(small, blobs, batch);
  BOOST_CHECK(batch[0].code == ec::insufficient_storage);
  BOOST_CHECK(!blob_file("blobF"));
  // The download is back where it was, for a later try, and no mark
  // says otherwise.
  BOOST_CHECK(std::filesystem::exists(c.source_path));
  BOOST_CHECK(blobs.adopting().empty());
}

namespace {

/// An object commit of blob `blob` from a new partial file of task `seq`.
object_commit commit_of(rules_fixture& fx, task_seq seq,
                        const std::string& blob, bool link = false) {
  object_commit c;
  c.owner = 7;
  c.bucket = "b";
  c.file = make_file("k" + std::to_string(seq), blob, 10);
  c.rule = on_key_exist::override_;
  c.source_path = fx.partial(seq, "bytes of " + blob);
  c.link_source = link;
  return c;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(a_crash_before_the_commit_leaves_no_blob_behind,
                        rules_fixture) {
  // The process dies after the download moved into the blob store and
  // before its rows were committed: neither the commit nor the undo ran.
  auto moved = commit_of(*this, 51, "C");
  auto linked = commit_of(*this, 52, "L", true);
  {
    auto t = db->write();
    rules::orphan_list o;
    rules::store_object(t, blobs, moved, o);
    rules::store_object(t, blobs, linked, o);
  }
  BOOST_REQUIRE(blob_file("blobC"));
  BOOST_REQUIRE(blob_file("blobL"));
  BOOST_CHECK_EQUAL(blobs.adopting().size(), 2u);
  // The next start removes both blobs: nothing references them.
  BOOST_CHECK_EQUAL(rules::settle_adoptions(*db, blobs), 2u);
  BOOST_CHECK(!blob_file("blobC"));
  BOOST_CHECK(!blob_file("blobL"));
  BOOST_CHECK(blobs.adopting().empty());
  // A seeding torrent's file stays where it was linked from.
  BOOST_CHECK(std::filesystem::exists(linked.source_path));
  BOOST_CHECK_EQUAL(rules::settle_adoptions(*db, blobs), 0u);
}

BOOST_FIXTURE_TEST_CASE(a_committed_blob_stays_and_its_mark_goes,
                        rules_fixture) {
  auto c = commit_of(*this, 61, "K");
  std::vector<rules::batch_write> batch;
  batch.push_back({[&](txn& t, rules::orphan_list& o) {
    rules::store_object(t, blobs, c, o);
  }});
  rules::commit_batch(*db, blobs, batch);
  BOOST_REQUIRE(batch[0].code == ec::none);
  BOOST_CHECK(blobs.adopting().empty());
  // A crash after the commit, before the mark went: the blob is
  // referenced, so only the mark goes.
  auto late = commit_of(*this, 62, "Q");
  {
    auto t = db->write();
    rules::orphan_list o;
    rules::store_object(t, blobs, late, o);
    t.commit();
  }
  BOOST_CHECK_EQUAL(blobs.adopting().size(), 1u);
  BOOST_CHECK_EQUAL(rules::settle_adoptions(*db, blobs), 0u);
  BOOST_CHECK(blob_file("blobK"));
  BOOST_CHECK(blob_file("blobQ"));
  BOOST_CHECK(blobs.adopting().empty());
  auto t = db->read();
  BOOST_CHECK_EQUAL(blob_refs(t, "blobQ"), 1u);
}
