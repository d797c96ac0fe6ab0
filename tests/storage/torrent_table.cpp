#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "protocol/object_commit.hpp"
#include "protocol/task_record.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"
#include "storage/torrent_table.hpp"

using namespace skyhaul;
using namespace skyhaul::storage;

namespace {

struct torrent_db {
  std::string dir;
  std::unique_ptr<lmdb_env> env;
  torrent_db() {
    char tmpl[] = "/tmp/skyhaul-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    env = std::make_unique<lmdb_env>(dir, 64 << 20);
  }
  ~torrent_db() {
    env.reset();
    std::filesystem::remove_all(dir);
  }
};

file_record torrent_file(const std::string& name, char blob) {
  file_record f;
  f.name = name;
  f.key = "movies/" + name;
  f.size = 10;
  f.blob = std::string(40, blob);
  f.sha1 = f.blob;
  return f;
}

} // namespace

BOOST_AUTO_TEST_CASE(resume_rows_keep_their_clean_flag) {
  torrent_db db;
  auto t = db.env->write();
  BOOST_CHECK(!get_resume(t, 7));
  put_resume(t, 7, std::string{"d4:abcdi1ee\0x", 13}, false);
  auto r = get_resume(t, 7);
  BOOST_REQUIRE(r);
  BOOST_CHECK(!r->clean);
  BOOST_CHECK_EQUAL(r->data.size(), 13u);
  put_resume(t, 7, "de", true);
  BOOST_CHECK(get_resume(t, 7)->clean);
  BOOST_CHECK_EQUAL(get_resume(t, 7)->data, "de");
  erase_resume(t, 7);
  BOOST_CHECK(!get_resume(t, 7));
}

BOOST_AUTO_TEST_CASE(the_cache_merges_files_and_drops_deleted_blobs) {
  torrent_db db;
  auto t = db.env->write();
  std::vector<std::string> orphans;
  task_record rec;
  rec.info_hash = std::string(40, 'f');
  rec.torrent_name = "pack";
  rec.torrent_files = 3;
  rec.files = {torrent_file("pack/a.bin", 'a')};
  auto skipped = torrent_file("pack/b.bin", 'b');
  skipped.concrete = false;
  rec.files.push_back(skipped);
  for (auto& f : rec.files) {
    object_commit c;
    c.owner = 1;
    c.bucket = "b";
    c.file = f;
    commit_object(t, c, orphans);
  }
  remember_torrent(t, rec);
  auto entry = find_cached_torrent(t, rec.info_hash);
  BOOST_REQUIRE(entry);
  BOOST_CHECK_EQUAL(entry->name, "pack");
  BOOST_CHECK_EQUAL(entry->file_count, 3u);
  // Only what this task stored itself describes the torrent's content.
  BOOST_REQUIRE_EQUAL(entry->files.size(), 1u);
  BOOST_CHECK_EQUAL(entry->files[0].name, "pack/a.bin");
  BOOST_CHECK(entry->files[0].key.empty());
  // A later task adds another file of the same torrent.
  task_record later = rec;
  later.files = {torrent_file("pack/c.bin", 'c')};
  object_commit c;
  c.owner = 1;
  c.bucket = "b";
  c.file = later.files[0];
  commit_object(t, c, orphans);
  remember_torrent(t, later);
  BOOST_CHECK_EQUAL(find_cached_torrent(t, rec.info_hash)->files.size(), 2u);
  // Deleting the last object of a blob takes it out of the cache.
  BOOST_CHECK(erase_object(t, "b", "movies/pack/a.bin", orphans));
  entry = find_cached_torrent(t, rec.info_hash);
  BOOST_REQUIRE(entry);
  BOOST_REQUIRE_EQUAL(entry->files.size(), 1u);
  BOOST_CHECK_EQUAL(entry->files[0].name, "pack/c.bin");
  BOOST_CHECK(!find_cached_torrent(t, std::string(40, '0')));
}
