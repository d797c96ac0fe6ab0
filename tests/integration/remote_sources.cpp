#define BOOST_TEST_MODULE remote_sources_integration
#include <boost/test/unit_test.hpp>

// FTP sources through the real skyhauld against a local pyftpdlib server
// (tests/support/ftp_server.py): a download verified by its digest, a
// resume by offset after kill -9, and the password kept out of replies.

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/push_servers.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/task_calls.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* password = "ftp-pw-5519";

std::string field(const std::string& body, const std::string& name) {
  auto v = json_field(body, "detail." + name);
  return v.empty() ? json_field(body, "task." + name) : v;
}

auto ended_now() {
  return [](const std::string& b) {
    auto s = field(b, "state");
    return s == "finished" || s == "failed" || s == "cancelled";
  };
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

BOOST_AUTO_TEST_CASE(an_ftp_source_resumes_by_offset_after_kill_9) {
  scratch dir;
  auto root = dir.dir + "/ftp";
  std::filesystem::create_directories(root);
  const size_t size = 3 << 20;
  std::ofstream(root + "/src.bin") << origin_content(size);
  ftp_server ftp{root, "pat", password, {}, {}, 0, "127.0.0.1", 600000};
  server_process d;
  d.start();
  auto url = "ftp://pat:" + std::string{password} + "@127.0.0.1:"
             + std::to_string(ftp.port()) + "/src.bin";
  auto tid = create(d, R"({"url":")" + url + R"(","key":"ftp.bin","sha1":")"
                         + expected_digests(size).sha1 + R"("})");
  auto mid = d.await_status(tid, [](const std::string& b) {
    auto n = field(b, "done_bytes");
    return !n.empty() && std::stoull(n) > 700000;
  });
  BOOST_CHECK_EQUAL(field(mid, "total_bytes"), std::to_string(size));
  d.crash();
  d.start();
  auto body = d.await_status(tid, ended_now(), 40s);
  BOOST_REQUIRE_MESSAGE(field(body, "state") == "finished", body);
  auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
  BOOST_CHECK(info.find(expected_digests(size).sha1) != std::string::npos);
  // pyftpdlib logs each RETR with the bytes it sent: after the restart
  // only what was missing.
  auto log = read_all(root + ".log");
  std::regex retr{R"(RETR \S+ completed=1 bytes=(\d+))"};
  bool resumed = false;
  for (std::sregex_iterator i{log.begin(), log.end(), retr}, end; i != end; ++i)
    resumed = resumed || std::stoull((*i)[1]) < size;
  BOOST_CHECK_MESSAGE(resumed, log);
}

BOOST_AUTO_TEST_CASE(a_missing_ftp_file_fails_and_no_reply_shows_the_password) {
  scratch dir;
  auto root = dir.dir + "/ftp";
  std::filesystem::create_directories(root);
  ftp_server ftp{root, "pat", password};
  server_process d;
  d.start();
  auto url = "ftp://pat:" + std::string{password} + "@127.0.0.1:"
             + std::to_string(ftp.port()) + "/nothing.bin";
  auto tid = create(d, R"({"url":")" + url + R"("})");
  auto body = d.await_status(tid, ended_now(), 30s);
  BOOST_CHECK_EQUAL(field(body, "state"), "failed");
  BOOST_CHECK_MESSAGE(body.find("no_such") != std::string::npos
                          || body.find("NoSuch") != std::string::npos
                          || body.find("not found") != std::string::npos,
                      body);
  auto list = d.api("GET", "/task/list").body;
  BOOST_CHECK(list.find(password) == std::string::npos);
  // Neither the full status nor the info shows it.
  BOOST_CHECK_MESSAGE(body.find(password) == std::string::npos, body);
  BOOST_CHECK(body.find("ftp://***@127.0.0.1:") != std::string::npos);
  auto info = d.api("GET", "/task/tid/" + tid + "/info").body;
  BOOST_CHECK_MESSAGE(info.find(password) == std::string::npos, info);
}
