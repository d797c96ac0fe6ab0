#define BOOST_TEST_MODULE storage_format_upgrade
#include <boost/test/unit_test.hpp>

// The database's format: the format 0 reader against CAF's own bytes, the
// upgrade of the format 0 fixture (tests/fixtures/format-0), the format
// record of a database, and what a reader does with newer records.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <caf/binary_serializer.hpp>
#include <rapidjson/document.h>

#include "protocol/ids.hpp"
#include "storage/format_upgrade.hpp"
#include "storage/legacy_format.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"
#include "storage/outbox_table.hpp"
#include "storage/task_table.hpp"
#include "storage/torrent_table.hpp"
#include "storage/user_table.hpp"
#include "tests/fixtures/newer_records.hpp"
#include "tests/support/scratch.hpp"

using namespace skyhaul;
using namespace skyhaul::storage;
using skyhaul::test::task_record_plus;
using skyhaul::test::task_record_v2;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t map_size = 64 << 20;

/// The bytes today's codec wrote before records had a format.
template <class T>
std::string caf_bytes(T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  BOOST_REQUIRE(!sink(x));
  return std::string(buf.begin(), buf.end());
}

/// Records with the fields they had in format 0 (106f43b), for CAF to
/// write as that binary did: the fields appended since are left out.
struct spec_v0 {
  task_spec s;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, spec_v0& x) {
  auto& s = x.s;
  return f(s.url, s.bucket, s.key, s.target, s.md5, s.sha1, s.crc32, s.size,
           s.rule, s.acl, s.success_callback_url, s.failure_callback_url,
           s.torrent, s.files, s.start_paused, s.origin);
}

struct task_v0 {
  task_record r;
  spec_v0 spec;
  explicit task_v0(const task_record& rec) : r(rec), spec{rec.spec} {}
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_v0& x) {
  auto& r = x.r;
  return f(r.seq, r.owner, x.spec, r.state, r.error, r.error_message,
           r.done_bytes, r.total_bytes, r.created_ms, r.updated_ms,
           r.file_name, r.validator, r.info_hash, r.torrent_name,
           r.torrent_files, r.tries, r.files);
}

struct user_v0 {
  user_record u;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_v0& x) {
  auto& u = x.u;
  return f(u.id, u.name, u.admin, u.level, u.api_key_hash, u.access_key,
           u.secret_key, u.callback_secret, u.created_ms,
           u.may_cancel_offline);
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

const std::string fixture = SKYHAUL_FIXTURES_DIR "/format-0";

} // namespace


BOOST_AUTO_TEST_CASE(the_format_0_reader_reads_cafs_bytes) {
  task_record rec;
  rec.seq = 0x0102030405060708;
  rec.owner = 7;
  rec.spec.url = "http://example.com/a.bin";
  rec.spec.size = -1;
  rec.spec.rule = on_key_exist::ignore_same_sha1;
  rec.spec.acl.canned = "public-read";
  rec.spec.acl.grants = {{acl_permission::write, "id=2"}};
  rec.spec.files = {"a", std::string(300, 'b')};
  rec.spec.start_paused = true;
  rec.spec.origin = face::offline_api;
  rec.state = task_state::failed;
  rec.error = ec::checksum_mismatch;
  rec.total_bytes = -1;
  rec.created_ms = 1764547200000;
  rec.tries = 3;
  rec.files.resize(2);
  rec.files[0].key = "k";
  rec.files[0].concrete = false;
  rec.files[1].idc_ok = {"east"};
  rec.files[1].size = 1ull << 40;
  task_record out;
  BOOST_REQUIRE(legacy_decode(caf_bytes(task_v0{rec}), out));
  BOOST_CHECK(encode(out) == encode(rec));
  BOOST_CHECK(!legacy_decode(caf_bytes(task_v0{rec}) + "x", out));
  BOOST_CHECK(!legacy_decode(caf_bytes(task_v0{rec}).substr(1), out));

  user_record u;
  u.id = 5;
  u.name = "alice";
  u.admin = true;
  u.level = 40;
  u.created_ms = -3;
  u.may_cancel_offline = true;
  user_record u_out;
  BOOST_REQUIRE(legacy_decode(caf_bytes(user_v0{u}), u_out));
  BOOST_CHECK(encode(u_out) == encode(u));

  callback_event ev;
  ev.id = 11;
  ev.kind = callback_kind::failure;
  ev.state = delivery_state::failed;
  ev.body = "{}";
  ev.next_ms = 99;
  callback_event ev_out;
  BOOST_REQUIRE(legacy_decode(caf_bytes(ev), ev_out));
  BOOST_CHECK(encode(ev_out) == encode(ev));

  object_entry e;
  e.owner = 2;
  e.acl.canned = "private";
  e.file.blob = "ab";
  object_entry e_out;
  BOOST_REQUIRE(legacy_decode(caf_bytes(e), e_out));
  BOOST_CHECK(encode(e_out) == encode(e));

  cached_torrent c;
  c.name = "pack";
  c.file_count = 2;
  c.files.resize(1);
  c.files[0].name = "pack/a.bin";
  cached_torrent c_out;
  BOOST_REQUIRE(legacy_decode(caf_bytes(c), c_out));
  BOOST_CHECK(encode(c_out) == encode(c));
}

BOOST_AUTO_TEST_CASE(a_new_database_records_its_formats) {
  test::scratch s{"skyhaul-format"};
  { lmdb_env env{s.dir + "/db", map_size}; }
  lmdb_env env{s.dir + "/db", map_size};
  auto t = env.read();
  auto f = t.get_as<database_format>(table::meta, "format");
  BOOST_REQUIRE(f);
  BOOST_CHECK_EQUAL(f->records.size(), current_formats().size());
  for (auto& r : f->records)
    BOOST_CHECK_EQUAL(r.major, 1u);
  // Nothing to upgrade, nothing copied aside.
  BOOST_CHECK(!fs::exists(legacy_backup_dir(s.dir + "/db")));
}

BOOST_AUTO_TEST_CASE(record_types_have_distinct_names) {
  auto formats = current_formats();
  for (size_t i = 0; i < formats.size(); ++i)
    for (size_t j = i + 1; j < formats.size(); ++j)
      BOOST_CHECK_NE(formats[i].table, formats[j].table);
}

BOOST_AUTO_TEST_CASE(the_format_0_fixture_is_upgraded_intact) {
  test::scratch s{"skyhaul-format"};
  auto db_dir = s.dir + "/db";
  fs::copy(fixture + "/data/db", db_dir, fs::copy_options::recursive);
  rapidjson::Document doc;
  doc.Parse(read_file(fixture + "/fixture.json").c_str());
  BOOST_REQUIRE(doc.IsObject());
  auto seq_of = [&](const char* name) {
    auto seq = parse_tid(doc["tids"][name].GetString());
    BOOST_REQUIRE(seq);
    return *seq;
  };
  {
    lmdb_env env{db_dir, map_size};
    auto t = env.read();
    // Users and their credentials.
    auto alice = find_user_by_api_key(t, doc["alice"]["api_key"].GetString());
    BOOST_REQUIRE(alice);
    BOOST_CHECK_EQUAL(alice->name, "alice");
    BOOST_CHECK_EQUAL(alice->secret_key, doc["alice"]["secret_key"].GetString());
    BOOST_CHECK(find_user_by_access_key(t, alice->access_key));
    BOOST_CHECK(find_user_by_name(t, "admin"));
    // Every task, in the state the old daemon last reported.
    for (auto& m : doc["tids"].GetObject()) {
      auto name = m.name.GetString();
      auto rec = get_task(t, seq_of(name));
      BOOST_REQUIRE_MESSAGE(rec, name);
      BOOST_CHECK_EQUAL(rec->owner, alice->id);
      auto& st = doc["states"][name];
      BOOST_CHECK_EQUAL(to_string(rec->state), st["state"].GetString());
      BOOST_CHECK_EQUAL(rec->spec.bucket, "fixture");
    }
    BOOST_CHECK_GE(last_task_seq(t), seq_of("torrent"));
    auto counts = get_counters(t, alice->id);
    BOOST_CHECK_EQUAL(counts.counts[static_cast<size_t>(task_state::finished)],
                      1u);
    BOOST_CHECK_EQUAL(counts.counts[static_cast<size_t>(task_state::failed)],
                      1u);
    // The finished task's object and its blob.
    auto done = get_task(t, seq_of("done"));
    BOOST_REQUIRE_EQUAL(done->files.size(), 1u);
    auto obj = get_object(t, "fixture", "done/a.bin");
    BOOST_REQUIRE(obj);
    BOOST_CHECK_EQUAL(obj->file.sha1, done->files[0].sha1);
    BOOST_CHECK_EQUAL(obj->file.size, 20000u);
    BOOST_CHECK_EQUAL(blob_refs(t, obj->file.blob), 1u);
    BOOST_CHECK_EQUAL(bucket_owner(t, "fixture").value_or(0), alice->id);
    // The owed failure callback, with the attempts of the old daemon.
    auto owed = owed_events(t);
    BOOST_REQUIRE_EQUAL(owed.size(), 1u);
    BOOST_CHECK_EQUAL(owed[0].task, seq_of("failed"));
    BOOST_CHECK(owed[0].kind == callback_kind::failure);
    auto log = delivery_log(t, seq_of("failed"));
    BOOST_REQUIRE_EQUAL(log.size(), 1u);
    BOOST_CHECK_EQUAL(format_event_id(log[0].event.id),
                      doc["callbacks"]["callbacks"][0]["event_id"].GetString());
    BOOST_CHECK_EQUAL(log[0].attempts.size(),
                      doc["callbacks"]["callbacks"][0]["attempts"].Size());
    // The torrent's resume row, saved at its pause.
    auto resume = get_resume(t, seq_of("torrent"));
    BOOST_REQUIRE(resume);
    BOOST_CHECK(resume->clean);
    BOOST_CHECK_NE(resume->data.find("info-hash"), std::string::npos);
  }
  // Copied aside once, before the upgrade; opening again changes nothing.
  auto backup = legacy_backup_dir(db_dir);
  BOOST_CHECK(fs::exists(backup + "/data.mdb"));
  { lmdb_env env{db_dir, map_size}; }
  BOOST_CHECK(!fs::exists(backup + ".2"));
}

BOOST_AUTO_TEST_CASE(a_record_of_a_newer_minor_is_read) {
  test::scratch s{"skyhaul-format"};
  lmdb_env env{s.dir + "/db", map_size};
  task_record_plus plus;
  plus.rec.seq = 1;
  plus.rec.owner = 2;
  plus.rec.spec.url = "http://example.com/x";
  plus.rec.state = task_state::paused;
  plus.rec.files.resize(1);
  plus.rec.files[0].key = "x";
  {
    auto t = env.write();
    put_task(t, plus.rec);
    t.put(table::tasks, be64(1), plus);
    t.commit();
  }
  auto t = env.read();
  auto rec = get_task(t, 1);
  BOOST_REQUIRE(rec);
  BOOST_CHECK_EQUAL(rec->spec.url, "http://example.com/x");
  BOOST_CHECK(rec->state == task_state::paused);
  BOOST_REQUIRE_EQUAL(rec->files.size(), 1u);
  BOOST_CHECK_EQUAL(rec->files[0].key, "x");
  task_query q;
  BOOST_CHECK_EQUAL(list_tasks(t, 2, q).tasks.size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_database_of_a_newer_major_is_refused) {
  test::scratch s{"skyhaul-format"};
  auto dir = s.dir + "/db";
  {
    lmdb_env env{dir, map_size};
    auto t = env.write();
    auto f = *t.get_as<database_format>(table::meta, "format");
    for (auto& r : f.records)
      if (r.table == "tasks") {
        r.major = 2;
        r.minor = 0;
      }
    t.put(table::meta, "format", f);
    t.put(table::tasks, be64(1), task_record_v2{"?"});
    t.commit();
  }
  try {
    lmdb_env env{dir, map_size};
    BOOST_FAIL("a database holding tasks of format 2 was opened");
  } catch (const record_format_error& e) {
    std::string what = e.what();
    BOOST_CHECK_MESSAGE(what.find("'tasks'") != std::string::npos, what);
    BOOST_CHECK_MESSAGE(what.find("format 2.0") != std::string::npos, what);
  }
  // The record itself is refused too, never misread.
  task_record rec;
  BOOST_CHECK_THROW(decode(encode(task_record_v2{"?"}), rec),
                    record_format_error);
}
