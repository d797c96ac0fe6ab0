#define BOOST_TEST_MODULE replicas_integration
#include <boost/test/unit_test.hpp>

// IDC replicas: the real skyhauld uploads what it stores to a real
// S3-compatible server (s3rver, from npm, run locally), with SigV4, as one
// PUT or as a multipart upload, and reports the IDCs in the task's files.

#include "tests/support/daemon.hpp"
#include "tests/support/task_calls.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/push_servers.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/s3rver.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace skyhaul::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// A config file naming two IDCs: a working s3rver (at `endpoint` when
/// given) and a closed port.
std::string write_config(const std::string& dir, const s3rver& s3,
                         const std::string& endpoint = {}) {
  fs::create_directories(dir);
  auto path = dir + "/idcs.json";
  std::ofstream{path} << R"({"idcs": [
    {"name": "idc1", "endpoint": ")"
                      << (endpoint.empty() ? s3.endpoint() : endpoint)
                      << R"(", "access_key": "S3RVER",
     "secret_key": "S3RVER", "bucket": "mirror",
     "multipart_threshold": 6291456, "part_size": 5242880},
    {"name": "idc2", "endpoint": "http://127.0.0.1:1",
     "access_key": "S3RVER", "secret_key": "S3RVER"}]})";
  return path;
}

/// Polls the task's info until `pred` holds (bounded).
template <class Pred>
std::string await_info(const server_process& d, const std::string& tid,
                       Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  std::string body;
  do {
    body = d.api("GET", "/task/tid/" + tid + "/info").body;
    if (pred(body))
      return body;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  BOOST_FAIL("condition not reached: " << body);
  return body;
}

bool has(const std::string& body, const std::string& what) {
  return body.find(what) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_CASE(objects_are_replicated_and_reported_per_idc) {
  origin o;
  s3rver s3;
  receiver rcv{0, 0, 0};
  auto scratch = fs::temp_directory_path()
                 / ("skyhaul-replica-cfg-" + std::to_string(::getpid()));
  server_process d{{"--config", write_config(scratch.string(), s3)}};
  d.start();
  // A small object goes up in one PUT; a 12 MiB one in three parts.
  auto small = create(d, "{\"url\":\"" + o.url("/file/70000")
                             + "\",\"bucket\":\"photos\",\"key\":\"a/small "
                               "one.bin\",\"success_callback_url\":\""
                             + rcv.url("/done") + "\"}");
  auto large
      = create(d, "{\"url\":\"" + o.url("/file/12582912")
                      + "\",\"bucket\":\"photos\",\"key\":\"large.bin\"}");
  for (auto& tid : {small, large}) {
    auto info = await_info(d, tid, [](const std::string& b) {
      return has(b, "\"success_idc\":[\"idc1\"]");
    });
    // The closed port fails its first attempt; it keeps retrying, but the
    // task is already finished: a replica never blocks the local success.
    BOOST_CHECK(has(info, "\"failure_idc\":[\"idc2\"]"));
    BOOST_CHECK_EQUAL(
        json_field(d.api("GET", "/task/tid/" + tid + "/status").body,
                   "detail.state"),
        "finished");
  }
  BOOST_CHECK(s3.object("mirror", "a/small one.bin") == origin_content(70000));
  // The success callback waited for the first attempts and names them.
  auto hits = rcv.await([](const std::vector<hit>& hs) { return !hs.empty(); });
  BOOST_REQUIRE_EQUAL(hits.size(), 1u);
  BOOST_CHECK(has(hits[0].body, "\"Success-IDC\":\"idc1\""));
  BOOST_CHECK(has(hits[0].body, "\"Failure-IDC\":\"idc2\""));
  BOOST_CHECK(has(hits[0].body, "\"Concrete-Upload\":true"));
  BOOST_CHECK(s3.object("mirror", "large.bin") == origin_content(12582912));
  std::error_code ec;
  fs::remove_all(scratch, ec);
}

BOOST_AUTO_TEST_CASE(owed_replicas_survive_a_crash) {
  origin o;
  auto scratch = fs::temp_directory_path()
                 / ("skyhaul-replica-crash-" + std::to_string(::getpid()));
  // The IDC is down at first: its port is known, nothing listens there.
  auto first = std::make_unique<s3rver>();
  auto port = first->port();
  auto cfg = write_config(scratch.string(), *first);
  first.reset();
  server_process d{{"--config", cfg}};
  d.start();
  auto tid = create(d, "{\"url\":\"" + o.url("/file/4096")
                           + "\",\"bucket\":\"photos\",\"key\":\"owed.bin\"}");
  await_info(d, tid, [](const std::string& b) {
    return has(b, "\"failure_idc\":[\"idc1\",\"idc2\"]");
  });
  d.crash();
  // Back up at the same address; the restarted daemon still owes the
  // replica and delivers it.
  s3rver again{port};
  d.start();
  auto info = await_info(d, tid, [](const std::string& b) {
    return has(b, "\"success_idc\":[\"idc1\"]");
  });
  BOOST_CHECK(has(info, "\"failure_idc\":[\"idc2\"]"));
  BOOST_CHECK(again.object("mirror", "owed.bin") == origin_content(4096));
  std::error_code ec;
  fs::remove_all(scratch, ec);
}


BOOST_AUTO_TEST_CASE(a_multipart_upload_continues_after_a_crash) {
  origin o;
  s3rver s3;
  auto scratch = fs::temp_directory_path()
                 / ("skyhaul-replica-resume-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  // The daemon reaches s3rver through a relay that passes 8 MiB/s of what
  // it sends: each 5 MiB part takes more than half a second, so the crash
  // lands in the middle of the 30 MiB object's six parts.
  child_process relay{{"/usr/bin/python3",
                       SKYHAUL_TEST_SUPPORT_DIR "/slow_relay.py",
                       std::to_string(s3.port()), "8388608"},
                      (scratch / "relay.log").string()};
  auto said = relay.await_log("port ");
  auto relay_port = std::stoi(said.substr(said.find("port ") + 5));
  server_process d{
      {"--config",
       write_config(scratch.string(), s3,
                    "http://127.0.0.1:" + std::to_string(relay_port))}};
  d.start();
  constexpr size_t size = 30 << 20;
  auto tid = create(d, "{\"url\":\"" + o.url("/file/" + std::to_string(size))
                           + "\",\"bucket\":\"photos\",\"key\":\"big.bin\"}");
  // Once the second part is in, the first one's confirmation has long been
  // recorded.
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (s3.log().find("Stored part 2 of") == std::string::npos
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  d.crash();
  auto before = s3.log();
  BOOST_REQUIRE_MESSAGE(has(before, "Stored part 2 of"), before);
  BOOST_REQUIRE_MESSAGE(s3.object("mirror", "big.bin").empty(),
                        "the upload ended before the crash");
  BOOST_CHECK_EQUAL(s3.open_uploads("mirror"), 1u);
  d.start();
  await_info(d, tid, [](const std::string& b) {
    return has(b, "\"success_idc\":[\"idc1\"]");
  });
  BOOST_CHECK(s3.object("mirror", "big.bin") == origin_content(size));
  // The restarted daemon continued the same upload: it did not send the
  // confirmed first part again, and left nothing open.
  auto after = s3.log();
  BOOST_CHECK_EQUAL(s3.log_count("Stored part 1 of"), 1u);
  BOOST_CHECK_EQUAL(s3.log_count("Stored part 6 of"), 1u);
  auto at = after.find("Stored part 1 of ") + 17;
  auto id = after.substr(at, after.find(' ', at) - at);
  BOOST_CHECK_EQUAL(s3.log_count("Stored part"),
                    s3.log_count(" of " + id + " "));
  BOOST_CHECK_EQUAL(s3.open_uploads("mirror"), 0u);
  std::error_code ec;
  fs::remove_all(scratch, ec);
}
