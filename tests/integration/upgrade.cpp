#define BOOST_TEST_MODULE integration_upgrade
// A data dir of an older format through the real skyhauld: the format 0
// fixture (tests/fixtures/format-0, written by the daemon of commit
// 106f43b and killed with -9) is upgraded and its work goes on; a record of
// a newer minor format is read; a database of a newer major format makes
// the daemon refuse to start.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>

#include <rapidjson/document.h>

#include "protocol/ids.hpp"
#include "storage/format_upgrade.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/task_table.hpp"
#include "storage/torrent_table.hpp"
#include "tests/fixtures/newer_records.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/swarm.hpp"
#include "tests/support/task_calls.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace st = skyhaul::storage;
using skyhaul::test::task_record_plus;

namespace {

const std::string fixture = SKYHAUL_FIXTURES_DIR "/format-0";
constexpr uint64_t map_size = uint64_t{16} << 30;

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// The fixture's data dir, copied into `d`'s before it starts.
void copy_fixture(const server_process& d) {
  fs::copy(fixture + "/data", d.data_dir(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

/// The signed download link in a task's info, unescaped.
std::string download_link(const std::string& info) {
  auto pos = info.find("/download/");
  if (pos == std::string::npos)
    return {};
  auto link = info.substr(pos, info.find('"', pos) - pos);
  for (size_t i; (i = link.find("\\/")) != std::string::npos;)
    link.replace(i, 2, "/");
  return link;
}

/// The task ended finished and its object holds the origin's bytes.
void check_finished(const server_process& d, const std::string& tid,
                    size_t size, const std::string& key) {
  auto body = d.await_status(tid, ended(), 90s, key);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto info = d.api("GET", "/task/tid/" + tid + "/info", {}, key).body;
  BOOST_CHECK_MESSAGE(info.find(expected_digests(size).sha1)
                        != std::string::npos,
                      info);
  auto link = download_link(info);
  BOOST_REQUIRE_MESSAGE(!link.empty(), info);
  auto got = http("GET", d.url() + link);
  BOOST_REQUIRE_EQUAL(got.status, 200);
  BOOST_CHECK(got.body == origin_content(size));
}

/// True when the origin's log has a request for `path` with a Range from
/// a byte past the first.
bool resumed_with_range(const std::string& log, const std::string& path) {
  rapidjson::Document doc;
  doc.Parse(log.c_str());
  if (!doc.IsArray())
    return false;
  for (auto& entry : doc.GetArray()) {
    if (!entry["range"].IsString())
      continue;
    std::string range = entry["range"].GetString();
    if (std::string{entry["path"].GetString()}.rfind(path, 0) == 0
        && range.rfind("bytes=", 0) == 0 && range != "bytes=0-")
      return true;
  }
  return false;
}

/// Runs skyhauld on `dir` until it exits; its exit status and output.
std::pair<int, std::string> run_to_exit(const std::string& dir) {
  auto cmd = std::string{SKYHAULD_PATH} + " --data-dir " + dir
             + " --api 127.0.0.1:0 --offline 127.0.0.1:0 --s3 127.0.0.1:0"
               " --bt-listen=127.0.0.1:0 --bt-dht=false --bt-lsd=false"
               " --bt-port-mapping=false 2>&1 </dev/null";
  auto* p = ::popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0)
    out.append(buf, n);
  auto status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, out};
}

} // namespace

BOOST_AUTO_TEST_CASE(a_format_0_data_dir_is_upgraded_and_its_work_goes_on) {
  rapidjson::Document doc;
  doc.Parse(read_file(fixture + "/fixture.json").c_str());
  BOOST_REQUIRE(doc.IsObject());
  auto tid = [&](const char* name) {
    return std::string{doc["tids"][name].GetString()};
  };
  std::string key = doc["alice"]["api_key"].GetString();
  // The fixture's URLs name fixed loopback ports: serve the same ones.
  auto origin_port = static_cast<uint16_t>(doc["origin_port"].GetUint());
  auto callback_port = doc["callback_port"].GetUint();
  origin org{{}, origin_port};
  scratch s{"skyhaul-upgrade"};
  child rcv;
  auto line = rcv.start({"python3",
                         std::string{SKYHAUL_TEST_SUPPORT_DIR} + "/receiver.py",
                         "--log", s.dir + "/hits.jsonl", "--port",
                         std::to_string(callback_port)},
                        true);
  BOOST_REQUIRE_MESSAGE(!json_field(line, "port").empty(),
                        "the callback receiver did not start: " << line);
  // The owed callback's retry window started when the fixture was made.
  server_process d{{"--callback-window=3153600000"}};
  copy_fixture(d);
  d.start();
  BOOST_CHECK(fs::exists(d.data_dir() + "/db.format-0/data.mdb"));
  // The users and their credentials.
  BOOST_CHECK_EQUAL(d.api("GET", "/task/list").status, 200);
  BOOST_CHECK_EQUAL(d.api("GET", "/task/list", {}, key).status, 200);
  auto listed = d.api("GET", "/task/list", {}, key).body;
  for (auto& m : doc["tids"].GetObject())
    BOOST_CHECK_MESSAGE(listed.find(m.value.GetString()) != std::string::npos,
                        m.name.GetString() << " missing in " << listed);
  // The finished task and its object.
  check_finished(d, tid("done"), 20000, key);
  // The failed task, with its reason; its owed callback is delivered.
  auto failed = d.api("GET", "/task/tid/" + tid("failed") + "/status", {},
                      key).body;
  BOOST_CHECK_EQUAL(state_of(failed), "failed");
  auto& old_failed = doc["states"]["failed"];
  BOOST_CHECK_EQUAL(json_field(failed, "detail.error.message"),
                    old_failed["error"]["message"].GetString());
  std::string event_id
    = doc["callbacks"]["callbacks"][0]["event_id"].GetString();
  auto delivered = [&] {
    return read_file(s.dir + "/hits.jsonl").find(event_id)
           != std::string::npos;
  };
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!delivered() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  BOOST_CHECK_MESSAGE(delivered(), "the owed callback " << event_id
                                     << " was not delivered");
  // The task killed mid-download goes on (its bytes were still in the
  // fetcher's buffer: nothing of it was on disk).
  check_finished(d, tid("running"), 200000, key);
  // The paused one stays paused until resumed, then goes on from the bytes
  // of its partial file.
  auto paused
    = d.api("GET", "/task/tid/" + tid("paused") + "/status", {}, key).body;
  BOOST_CHECK_EQUAL(state_of(paused), "paused");
  BOOST_CHECK_EQUAL(json_field(paused, "detail.done_bytes"),
                    std::to_string(doc["partial_bytes"]["paused"].GetUint()));
  BOOST_REQUIRE_EQUAL(
    d.api("PUT", "/task/tid/" + tid("paused") + "?act=resume", {}, key).status,
    200);
  check_finished(d, tid("paused"), 300000, key);
  BOOST_CHECK_MESSAGE(resumed_with_range(org.log(), "/slow/300000"),
                      "no Range for the paused task: " << org.log());
  // The paused torrent kept its resume row, which libtorrent takes back.
  auto seq = skyhaul::parse_tid(tid("torrent"));
  BOOST_REQUIRE(seq);
  {
    st::lmdb_env db{d.data_dir() + "/db", map_size};
    auto t = db.read();
    auto resume = st::get_resume(t, *seq);
    BOOST_REQUIRE(resume);
    BOOST_CHECK(resume->clean);
    BOOST_CHECK_NE(resume->data.find("info-hash"), std::string::npos);
  }
  auto bt = d.api("GET", "/task/tid/" + tid("torrent") + "/status", {}, key);
  BOOST_CHECK_EQUAL(state_of(bt.body), "paused");
  BOOST_CHECK_EQUAL(json_field(bt.body, "detail.torrent.info_hash"),
                    doc["torrent"]["info_hash"].GetString());
  BOOST_REQUIRE_EQUAL(
    d.api("PUT", "/task/tid/" + tid("torrent") + "?act=resume", {}, key).status,
    200);
  auto resumed = d.await_status(
    tid("torrent"),
    [](const std::string& b) { return state_of(b) == "downloading"; }, 30s,
    key);
  BOOST_CHECK_MESSAGE(state_of(resumed) == "downloading", resumed);
  BOOST_CHECK_EQUAL(d.stop(SIGTERM), 0);
}

BOOST_AUTO_TEST_CASE(a_record_of_a_newer_minor_is_read_by_the_daemon) {
  origin org;
  server_process d;
  d.start();
  auto id = create(d, R"({"url":")" + org.url("/file/1000")
                        + R"(","bucket":"media","key":"k.bin"})");
  d.await_status(id, ended());
  BOOST_REQUIRE_EQUAL(d.stop(SIGTERM), 0);
  auto seq = skyhaul::parse_tid(id);
  BOOST_REQUIRE(seq);
  {
    // What a newer binary would write: the same record with a field
    // appended, in the tasks table's next minor format.
    st::lmdb_env db{d.data_dir() + "/db", map_size};
    auto t = db.write();
    auto rec = st::get_task(t, *seq);
    BOOST_REQUIRE(rec);
    task_record_plus plus;
    plus.rec = *rec;
    t.put(st::table::tasks, st::be64(*seq), plus);
    auto f = *t.get_as<st::database_format>(st::table::meta, "format");
    for (auto& r : f.records)
      if (r.table == "tasks")
        r.minor = skyhaul::record_format<task_record_plus>::minor;
    t.put(st::table::meta, "format", f);
    t.commit();
  }
  d.start();
  auto status = d.api("GET", "/task/tid/" + id + "/status").body;
  BOOST_CHECK_EQUAL(state_of(status), "finished");
  auto info = d.api("GET", "/task/tid/" + id + "/info").body;
  BOOST_CHECK_MESSAGE(info.find(expected_digests(1000).sha1)
                        != std::string::npos,
                      info);
  // It keeps working on the database: a new task finishes beside it.
  auto next = create(d, R"({"url":")" + org.url("/file/2000")
                          + R"(","bucket":"media","key":"k2.bin"})");
  BOOST_CHECK_EQUAL(state_of(d.await_status(next, ended())), "finished");
}

BOOST_AUTO_TEST_CASE(a_database_of_a_newer_major_makes_the_daemon_refuse) {
  scratch s{"skyhaul-upgrade"};
  {
    st::lmdb_env db{s.dir + "/db", map_size};
    auto t = db.write();
    auto f = *t.get_as<st::database_format>(st::table::meta, "format");
    for (auto& r : f.records)
      if (r.table == "tasks") {
        r.major = 2;
        r.minor = 0;
      }
    t.put(st::table::meta, "format", f);
    t.commit();
  }
  auto [code, out] = run_to_exit(s.dir);
  BOOST_CHECK_NE(code, 0);
  BOOST_CHECK_MESSAGE(out.find("table 'tasks'") != std::string::npos, out);
  BOOST_CHECK_MESSAGE(out.find("format 2.0") != std::string::npos, out);
  BOOST_CHECK(!fs::exists(s.dir + "/listen.json"));
}
