#define BOOST_TEST_MODULE protocol
#include <boost/test/unit_test.hpp>

#include "protocol/codec.hpp"
#include "protocol/on_key_exist.hpp"
#include "protocol/replica.hpp"
#include "protocol/task_record.hpp"
#include "tests/fixtures/older_records.hpp"

using namespace skyhaul;

BOOST_AUTO_TEST_CASE(task_record_round_trips) {
  task_record rec;
  rec.seq = 42;
  rec.owner = 7;
  rec.spec.url = "http://example.com/a.bin";
  rec.spec.rule = on_key_exist::ignore_same_sha1;
  rec.spec.files = {"a", "b"};
  rec.state = task_state::failed;
  rec.error = ec::checksum_mismatch;
  rec.total_bytes = -1;
  rec.files.resize(1);
  rec.files[0].key = "k";
  rec.files[0].concrete = false;
  task_record out;
  BOOST_REQUIRE(decode(encode(rec), out));
  BOOST_CHECK_EQUAL(out.seq, 42u);
  BOOST_CHECK_EQUAL(out.spec.url, rec.spec.url);
  BOOST_CHECK(out.spec.rule == on_key_exist::ignore_same_sha1);
  BOOST_CHECK_EQUAL(out.spec.files.size(), 2u);
  BOOST_CHECK(out.state == task_state::failed);
  BOOST_CHECK(out.error == ec::checksum_mismatch);
  BOOST_CHECK_EQUAL(out.total_bytes, -1);
  BOOST_CHECK_EQUAL(out.files.at(0).key, "k");
  BOOST_CHECK(!out.files.at(0).concrete);
}

BOOST_AUTO_TEST_CASE(decode_rejects_garbage) {
  task_record out;
  // No header, a header cut short, a field cut short.
  BOOST_CHECK(!decode(std::string_view{}, out));
  BOOST_CHECK(!decode(std::string_view{"\x01", 1}, out));
  BOOST_CHECK(!decode(std::string_view{"\x01\x00\xff", 3}, out));
  task_record rec;
  rec.spec.url = "http://example.com/a.bin";
  auto bytes = encode(rec);
  // A record of the current format cut anywhere, at a field boundary
  // too, is malformed: only an older minor may lack fields.
  for (size_t n = 3; n < bytes.size(); ++n)
    BOOST_CHECK_MESSAGE(!decode(std::string_view{bytes.data(), n}, out),
                        "a cut at " << n << " of " << bytes.size());
  // A string longer than the bytes left.
  BOOST_CHECK(!decode(std::string_view{"\x01\x00\x01\x02\x7f", 5}, out));
}

BOOST_AUTO_TEST_CASE(every_record_starts_with_its_format) {
  auto bytes = encode(task_record{});
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string_view body;
  BOOST_REQUIRE(read_header(bytes, major, minor, body));
  BOOST_CHECK_EQUAL(major, record_format<task_record>::major);
  BOOST_CHECK_EQUAL(minor, record_format<task_record>::minor);
  // The header is two varints: major and minor.
  BOOST_CHECK_EQUAL(bytes.substr(0, 2),
                    std::string("\x01\x04", 2)); // format 1.4
}

namespace {

// One record type as two releases see it: `v1_0` as first shipped, `v1_1`
// with a field appended at the end and one at the end of its nested item.

struct item_v1_0 {
  std::string name;
};

struct item_v1_1 {
  std::string name;
  int64_t weight = -7;
};

struct rec_v1_0 {
  uint64_t id = 0;
  std::vector<item_v1_0> items;
};

struct rec_v1_1 {
  uint64_t id = 0;
  std::vector<item_v1_1> items;
  std::string note = "default note";
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, item_v1_0& x) {
  return f(x.name);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, item_v1_1& x) {
  return f(x.name, x.weight);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rec_v1_0& x) {
  return f(x.id, x.items);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rec_v1_1& x) {
  return f(x.id, x.items, x.note);
}

// A major change: `id` became a string; v2 reads v1 bodies with `upgrade`.
struct rec_v2 {
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rec_v2& x) {
  return f(x.id);
}

} // namespace

namespace skyhaul {

template <>
struct record_format<rec_v1_0> : format_version<1, 0> {
  static constexpr const char* table = "things";
};

template <>
struct record_format<rec_v1_1> : format_version<1, 1> {
  static constexpr const char* table = "things";
};

template <>
struct record_format<rec_v2> : format_version<2, 0> {
  static constexpr const char* table = "things";
  static bool upgrade(uint32_t major, std::string_view body, rec_v2& x) {
    if (major != 1)
      return false;
    auto bytes = std::string("\x01\x00", 2) + std::string{body};
    rec_v1_0 old;
    if (!decode(bytes, old))
      return false;
    x.id = "#" + std::to_string(old.id);
    return true;
  }
};

} // namespace skyhaul

BOOST_AUTO_TEST_CASE(an_older_reader_skips_fields_it_does_not_know) {
  rec_v1_1 newer;
  newer.id = 9;
  newer.items = {{"a", 1}, {"b", 2}};
  newer.note = "written by a newer minor";
  rec_v1_0 out;
  BOOST_REQUIRE(decode(encode(newer), out));
  BOOST_CHECK_EQUAL(out.id, 9u);
  BOOST_REQUIRE_EQUAL(out.items.size(), 2u);
  BOOST_CHECK_EQUAL(out.items[0].name, "a");
  BOOST_CHECK_EQUAL(out.items[1].name, "b");
}

BOOST_AUTO_TEST_CASE(a_newer_reader_gives_older_records_the_defaults) {
  rec_v1_0 older;
  older.id = 3;
  older.items = {{"x"}};
  rec_v1_1 out;
  out.note = "stale";
  BOOST_REQUIRE(decode(encode(older), out));
  BOOST_CHECK_EQUAL(out.id, 3u);
  BOOST_REQUIRE_EQUAL(out.items.size(), 1u);
  BOOST_CHECK_EQUAL(out.items[0].name, "x");
  BOOST_CHECK_EQUAL(out.items[0].weight, -7);
  BOOST_CHECK_EQUAL(out.note, "default note");
}

BOOST_AUTO_TEST_CASE(a_newer_major_is_refused_naming_table_and_version) {
  rec_v2 newer;
  newer.id = "x";
  rec_v1_1 out;
  try {
    decode(encode(newer), out);
    BOOST_FAIL("a record of format 2 was read as format 1");
  } catch (const record_format_error& e) {
    std::string what = e.what();
    BOOST_CHECK_MESSAGE(what.find("'things'") != std::string::npos, what);
    BOOST_CHECK_MESSAGE(what.find("format 2.0") != std::string::npos, what);
  }
}

BOOST_AUTO_TEST_CASE(an_older_major_is_read_through_upgrade) {
  rec_v1_0 older;
  older.id = 42;
  rec_v2 out;
  BOOST_REQUIRE(decode(encode(older), out));
  BOOST_CHECK_EQUAL(out.id, "#42");
}

BOOST_AUTO_TEST_CASE(integers_keep_their_range) {
  task_record rec;
  rec.total_bytes = INT64_MIN;
  rec.created_ms = INT64_MAX;
  rec.done_bytes = UINT64_MAX;
  rec.torrent_files = UINT32_MAX;
  task_record out;
  BOOST_REQUIRE(decode(encode(rec), out));
  BOOST_CHECK_EQUAL(out.total_bytes, INT64_MIN);
  BOOST_CHECK_EQUAL(out.created_ms, INT64_MAX);
  BOOST_CHECK_EQUAL(out.done_bytes, UINT64_MAX);
  BOOST_CHECK_EQUAL(out.torrent_files, UINT32_MAX);
}

BOOST_AUTO_TEST_CASE(tids_round_trip_and_reject_junk) {
  BOOST_CHECK_EQUAL(format_tid(0x2a), "0000000000000000002a");
  BOOST_CHECK_EQUAL(*parse_tid("0000000000000000002a"), 0x2au);
  BOOST_CHECK(!parse_tid("000000000000000002a"));
  BOOST_CHECK(!parse_tid("0000000000000000002A"));
  BOOST_CHECK(!parse_tid("00000000000000000000"));
  BOOST_CHECK(!parse_tid("../0000000000000002a"));
}

BOOST_AUTO_TEST_CASE(words_round_trip) {
  for (auto w : {"override", "ignore", "ignore-same-md5", "ignore-same-sha1",
                 "ignore-same-crc32", "ignore-same-checksum",
                 "ignore-same-size"}) {
    on_key_exist x;
    BOOST_REQUIRE(from_string(w, x));
    BOOST_CHECK_EQUAL(to_string(x), std::string{w});
  }
  on_key_exist x;
  BOOST_CHECK(!from_string("ignore-same-sha256", x));
  task_state s;
  BOOST_CHECK(from_string("downloading", s));
  BOOST_CHECK(s == task_state::downloading);
  BOOST_CHECK(!from_string("running", s));
}

BOOST_AUTO_TEST_CASE(errors_carry_code_and_message) {
  auto err = make_error(ec::not_found, "no such task");
  BOOST_CHECK(code_of(err) == ec::not_found);
  BOOST_CHECK_EQUAL(message_of(err), "no such task");
  BOOST_CHECK_EQUAL(http_status(ec::invalid_state), 409u);
  BOOST_CHECK(code_of(caf::error{}) == ec::none);
}

namespace {

/// task_spec and task_record as format 1.`Minor` wrote them: the fields
/// each minor appended are left out of older ones.
///  1.1: the spec's proxy and remote account;
///  1.2: the spec's mirrors and connection count;
///  1.3: the record's notes;
///  1.4: the spec's wait for the choice of files.
template <uint32_t Minor>
struct task_spec_as_of {
  task_spec s;
};

template <class Inspector, uint32_t Minor>
typename Inspector::result_type inspect(Inspector& f,
                                        task_spec_as_of<Minor>& x) {
  auto& s = x.s;
  auto ok = f(s.url, s.bucket, s.key, s.target, s.md5, s.sha1, s.crc32,
              s.size, s.rule, s.acl, s.success_callback_url,
              s.failure_callback_url, s.torrent, s.files, s.start_paused,
              s.origin);
  if constexpr (Minor >= 1)
    ok = ok && f(s.proxy_id, s.remote_account, s.remote_folder);
  if constexpr (Minor >= 2)
    ok = ok && f(s.urls, s.connections);
  if constexpr (Minor >= 4)
    ok = ok && f(s.pick_files);
  return ok;
}

template <uint32_t Minor>
struct task_record_as_of {
  task_record r;
  task_spec_as_of<Minor> spec;
};

template <class Inspector, uint32_t Minor>
typename Inspector::result_type inspect(Inspector& f,
                                        task_record_as_of<Minor>& x) {
  auto& r = x.r;
  auto ok = f(r.seq, r.owner, x.spec, r.state, r.error, r.error_message,
              r.done_bytes, r.total_bytes, r.created_ms, r.updated_ms,
              r.file_name, r.validator, r.info_hash, r.torrent_name,
              r.torrent_files, r.tries, r.files);
  if constexpr (Minor >= 3)
    ok = ok && f(r.notes);
  return ok;
}

/// A task with every field set, the later ones to values a reader would
/// not make up.
task_record full_task() {
  task_record r;
  r.seq = 77;
  r.spec.url = "http://example.com/a";
  r.spec.proxy_id = "eu";
  r.spec.remote_account = 3;
  r.spec.remote_folder = "films/new";
  r.spec.urls = {"http://mirror.example.com/a"};
  r.spec.connections = 16;
  r.spec.pick_files = true;
  r.validator = "\"v\"";
  r.files.resize(1);
  r.files[0].key = "a";
  r.notes = {"mirror http://b.example.com/a dropped: other size"};
  return r;
}

/// Writes a task as format 1.`Minor` did and reads it with today's reader:
/// the fields of that minor come back, the later ones have their defaults.
template <uint32_t Minor>
void check_task_of_minor() {
  BOOST_TEST_MESSAGE("a task of format 1." << Minor);
  auto full = full_task();
  task_record_as_of<Minor> old{full, {full.spec}};
  // Stale values in the target: a reader must set every field.
  task_record out;
  out.spec.proxy_id = "stale";
  out.spec.urls = {"stale"};
  out.notes = {"stale"};
  out.spec.pick_files = true;
  BOOST_REQUIRE(decode(encode(old), out));
  BOOST_CHECK_EQUAL(out.seq, 77u);
  BOOST_CHECK_EQUAL(out.spec.url, full.spec.url);
  BOOST_CHECK_EQUAL(out.validator, full.validator);
  BOOST_REQUIRE_EQUAL(out.files.size(), 1u);
  BOOST_CHECK_EQUAL(out.files[0].key, "a");
  BOOST_CHECK_EQUAL(out.spec.proxy_id, Minor >= 1 ? "eu" : "");
  BOOST_CHECK_EQUAL(out.spec.remote_account, Minor >= 1 ? 3u : 0u);
  BOOST_CHECK_EQUAL(out.spec.remote_folder, Minor >= 1 ? "films/new" : "");
  BOOST_CHECK_EQUAL(out.spec.urls.size(), Minor >= 2 ? 1u : 0u);
  BOOST_CHECK_EQUAL(out.spec.connections, Minor >= 2 ? 16u : 0u);
  BOOST_CHECK_EQUAL(out.notes.size(), Minor >= 3 ? 1u : 0u);
  BOOST_CHECK_EQUAL(out.spec.pick_files, Minor >= 4);
}

} // namespace

namespace skyhaul {
template <uint32_t Minor>
struct record_format<task_record_as_of<Minor>> : format_version<1, Minor> {
  static constexpr const char* table = "tasks";
};
} // namespace skyhaul

BOOST_AUTO_TEST_CASE(a_task_of_every_older_minor_reads_with_defaults) {
  check_task_of_minor<0>();
  check_task_of_minor<1>();
  check_task_of_minor<2>();
  // Today's minor writes and reads every field.
  check_task_of_minor<3>();
  static_assert(record_format<task_record>::minor == 4,
                "a new minor of task_record gets a row here");
  check_task_of_minor<4>();
  auto full = full_task();
  task_record again;
  BOOST_REQUIRE(decode(encode(full), again));
  BOOST_CHECK(encode(again) == encode(full));
}

BOOST_AUTO_TEST_CASE(a_replica_job_of_format_1_0_reads_with_no_upload_open) {
  static_assert(record_format<replica_job>::minor == 1,
                "a new minor of replica_job gets a case here");
  replica_job job;
  job.id = 4;
  job.idc = "east";
  job.key = "big.bin";
  job.tries = 3;
  job.last_error = "HTTP 503";
  // Stale values in the target: the reader must set every field.
  replica_job out;
  out.upload_id = "stale";
  out.part_size = 9;
  out.part_md5s = {"stale"};
  BOOST_REQUIRE(decode(encode(test::replica_job_1_0{job}), out));
  BOOST_CHECK_EQUAL(out.id, 4u);
  BOOST_CHECK_EQUAL(out.key, "big.bin");
  BOOST_CHECK_EQUAL(out.tries, 3u);
  BOOST_CHECK_EQUAL(out.last_error, "HTTP 503");
  BOOST_CHECK(out.upload_id.empty());
  BOOST_CHECK_EQUAL(out.part_size, 0u);
  BOOST_CHECK(out.part_md5s.empty());
  // Today's format keeps the open upload.
  job.upload_id = "2~abc";
  job.part_size = 5 << 20;
  job.part_md5s = {std::string(32, 'a'), std::string(32, 'b')};
  replica_job again;
  BOOST_REQUIRE(decode(encode(job), again));
  BOOST_CHECK(encode(again) == encode(job));
  BOOST_CHECK_EQUAL(again.part_md5s.size(), 2u);
}

BOOST_AUTO_TEST_CASE(a_push_job_of_format_1_0_reads_with_no_upload_open) {
  static_assert(record_format<push_job>::minor == 1,
                "a new minor of push_job gets a case here");
  push_job job;
  job.id = 6;
  job.remote_path = "in/a.bin";
  job.size = 70000;
  job.last_error = "HTTP 500";
  push_job out;
  out.upload_id = "stale";
  out.part_size = 9;
  out.part_md5s = {"stale"};
  BOOST_REQUIRE(decode(encode(test::push_job_1_0{job}), out));
  BOOST_CHECK_EQUAL(out.id, 6u);
  BOOST_CHECK_EQUAL(out.remote_path, "in/a.bin");
  BOOST_CHECK_EQUAL(out.size, 70000u);
  BOOST_CHECK_EQUAL(out.last_error, "HTTP 500");
  BOOST_CHECK(out.upload_id.empty() && out.part_size == 0
              && out.part_md5s.empty());
  job.upload_id = "2~def";
  job.part_size = 5 << 20;
  job.part_md5s = {std::string(32, 'c')};
  push_job again;
  BOOST_REQUIRE(decode(encode(job), again));
  BOOST_CHECK(encode(again) == encode(job));
}
