#define BOOST_TEST_MODULE callbacks_integration
#include <boost/test/unit_test.hpp>

#include "base/crypto.hpp"

// The real skyhauld delivering callbacks to a scriptable local receiver
// (tests/support/receiver.py): retries, signatures, the delivery log,
// redeliver, and an owed callback that survives kill -9.

#include "storage/user_table.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/task_calls.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/receiver.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <poll.h>
#include <rapidjson/document.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

auto answered_200(size_t n = 1) {
  return [n](const std::vector<hit>& hs) {
    size_t ok = 0;
    for (auto& h : hs)
      ok += h.answer == "200" ? 1 : 0;
    return ok >= n;
  };
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// GET /task/tid/<tid>/callbacks, polled (bounded) until `pred(doc)`.
template <class Pred>
std::string await_log(const server_process& d, const std::string& tid,
                      Pred pred, std::chrono::seconds limit = 30s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto res = d.api("GET", "/task/tid/" + tid + "/callbacks");
    rapidjson::Document doc;
    doc.Parse(res.body.c_str());
    if ((res.status == 200 && !doc.HasParseError() && pred(doc))
        || std::chrono::steady_clock::now() > deadline)
      return res.body;
    std::this_thread::sleep_for(20ms);
  }
}

/// The first callback of the log is in `state` with `n` attempts.
auto logged(const char* state, size_t n) {
  return [=](const rapidjson::Document& doc) {
    auto& cbs = doc["callbacks"];
    return cbs.Size() >= 1 && cbs[0]["state"].GetString() == std::string{state}
           && cbs[0]["attempts"].Size() == n;
  };
}

struct fixture {
  origin org;
  server_process d{
      {"--callback-retry-base-ms", "100", "--callback-timeout-ms", "1000"}};
  fixture() {
    d.start();
  }

  std::string callback_secret() const {
    return json_field(read_file(d.data_dir() + "/admin.json"),
                      "callback_secret");
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(callbacks, fixture)

BOOST_AUTO_TEST_CASE(retried_until_delivered_signed_and_logged) {
  receiver rcv{2, 1, 4.0};
  auto want = expected_digests(1000);
  auto tid = create(d, R"({"url":")" + org.url("/file/1000?name=movie1")
                           + R"(","bucket":"cbs","key":"in/movie1",)"
                           + R"("success_callback_url":")" + rcv.url("/hook")
                           + R"("})");
  auto hits = rcv.await(answered_200());
  auto log = await_log(d, tid, logged("delivered", 4));
  // Two 500s, one stall past the timeout, then 200 -- and nothing after it.
  BOOST_REQUIRE_EQUAL(hits.size(), 4u);
  BOOST_CHECK_EQUAL(hits[0].answer, "500");
  BOOST_CHECK_EQUAL(hits[1].answer, "500");
  BOOST_CHECK_EQUAL(hits[2].answer, "hang");
  BOOST_CHECK_EQUAL(hits[3].answer, "200");
  auto secret = callback_secret();
  BOOST_REQUIRE_EQUAL(secret.size(), 64u);
  auto event_id = hits[0].headers["x-skyhaul-event-id"];
  BOOST_CHECK_EQUAL(event_id.size(), 16u);
  for (auto& h : hits) {
    BOOST_CHECK_EQUAL(h.path, "/hook");
    BOOST_CHECK_EQUAL(h.headers["x-skyhaul-event-id"], event_id);
    BOOST_CHECK_EQUAL(h.headers["content-type"], "application/json");
    BOOST_CHECK(!h.headers["user-agent"].empty());
    BOOST_CHECK_EQUAL(h.body, hits[0].body);
    // t=<unix>,v1=<hex HMAC-SHA256 of "t.body">
    auto sig = h.headers["x-skyhaul-signature"];
    auto comma = sig.find(",v1=");
    BOOST_REQUIRE_MESSAGE(sig.rfind("t=", 0) == 0 && comma != std::string::npos,
                          sig);
    auto t = sig.substr(2, comma - 2);
    BOOST_CHECK_LE(std::abs(std::stoll(t) - std::time(nullptr)), 60);
    BOOST_CHECK_EQUAL(sig.substr(comma + 4), skyhaul::hmac_sha256_hex(
                                                 secret, t + "." + h.body));
    BOOST_CHECK_NE(sig.substr(comma + 4), skyhaul::hmac_sha256_hex(
                                              secret + "x", t + "." + h.body));
  }
  // The seed's body, keyed by file name.
  auto& body = hits[3].body;
  BOOST_CHECK_EQUAL(json_field(body, "movie1.Key"), "in/movie1");
  BOOST_CHECK_EQUAL(json_field(body, "movie1.ETag"), "\"" + want.md5 + "\"");
  BOOST_CHECK_EQUAL(json_field(body, "movie1.MD5"), want.md5);
  BOOST_CHECK_EQUAL(json_field(body, "movie1.SHA1"), want.sha1);
  BOOST_CHECK_EQUAL(json_field(body, "movie1.CRC32"), want.crc32);
  BOOST_CHECK_EQUAL(json_field(body, "movie1.Size"), "1000");
  BOOST_CHECK_EQUAL(json_field(body, "movie1.Content-Type"),
                    "application/octet-stream");
  BOOST_CHECK(!json_field(body, "movie1.LastModified").empty());
  BOOST_CHECK_EQUAL(json_field(body, "movie1.Task"), "cbs/" + tid);
  BOOST_CHECK_EQUAL(json_field(body, "movie1.Concrete-Upload"), "true");
  BOOST_CHECK_EQUAL(json_field(body, "movie1.Success-IDC"), "");
  // The delivery log says the same.
  BOOST_CHECK_EQUAL(json_field(log, "status"), "success");
  rapidjson::Document doc;
  doc.Parse(log.c_str());
  BOOST_REQUIRE_MESSAGE(logged("delivered", 4)(doc), log);
  auto& cb = doc["callbacks"][0];
  BOOST_CHECK_EQUAL(cb["event_id"].GetString(), event_id);
  BOOST_CHECK_EQUAL(cb["kind"].GetString(), std::string{"success"});
  BOOST_CHECK_EQUAL(cb["url"].GetString(), rcv.url("/hook"));
  auto& at = cb["attempts"];
  for (unsigned i = 0; i < 4; ++i) {
    BOOST_CHECK_EQUAL(at[i]["attempt"].GetUint(), i + 1);
    BOOST_CHECK_GT(at[i]["time_ms"].GetInt64(), 0);
  }
  BOOST_CHECK_EQUAL(at[0]["http_status"].GetUint(), 500u);
  BOOST_CHECK(std::string{at[0]["error"].GetString()}.find("500")
              != std::string::npos);
  BOOST_CHECK_EQUAL(at[2]["http_status"].GetUint(), 0u);
  BOOST_CHECK(!std::string{at[2]["error"].GetString()}.empty());
  BOOST_CHECK_GE(at[2]["duration_ms"].GetInt64(), 900);
  BOOST_CHECK_EQUAL(at[3]["http_status"].GetUint(), 200u);
  BOOST_CHECK_EQUAL(at[3]["error"].GetString(), std::string{});
  BOOST_CHECK_LT(at[0]["time_ms"].GetInt64(), at[1]["time_ms"].GetInt64());
  // Redeliver: once more, same event id.
  auto again = d.api("POST", "/task/tid/" + tid + "/callbacks/redeliver");
  BOOST_CHECK_EQUAL(again.status, 200);
  hits = rcv.await(answered_200(2));
  BOOST_REQUIRE_EQUAL(hits.size(), 5u);
  BOOST_CHECK_EQUAL(hits[4].headers["x-skyhaul-event-id"], event_id);
  BOOST_CHECK_EQUAL(hits[4].body, hits[0].body);
  auto log2 = await_log(d, tid, logged("delivered", 5));
  BOOST_CHECK_MESSAGE(log2.find("\"attempt\":5") != std::string::npos, log2);
}

BOOST_AUTO_TEST_CASE(a_redeliver_during_an_attempt_delivers_again) {
  // The first attempt stalls (within the timeout) and then succeeds; a
  // redeliver that comes in meanwhile still gets a delivery of its own.
  receiver rcv{0, 1, 0.7};
  auto tid = create(d, R"({"url":")" + org.url("/file/100?name=r")
                           + R"(","bucket":"cbs","key":"in/r",)"
                           + R"("success_callback_url":")" + rcv.url("/hook")
                           + R"("})");
  auto hits = rcv.await([](auto& hs) { return !hs.empty(); }, 10s);
  BOOST_REQUIRE_EQUAL(hits.size(), 1u);
  auto again = d.api("POST", "/task/tid/" + tid + "/callbacks/redeliver");
  BOOST_REQUIRE_EQUAL(again.status, 200);
  hits = rcv.await(answered_200(1), 10s);
  BOOST_REQUIRE_EQUAL(hits.size(), 2u);
  BOOST_CHECK_EQUAL(hits[0].answer, "hang");
  BOOST_CHECK_EQUAL(hits[1].answer, "200");
  BOOST_CHECK_EQUAL(hits[1].headers["x-skyhaul-event-id"],
                    hits[0].headers["x-skyhaul-event-id"]);
  auto log = await_log(d, tid, logged("delivered", 2));
  BOOST_CHECK_MESSAGE(log.find("\"attempt\":2") != std::string::npos, log);
}

BOOST_AUTO_TEST_CASE(failure_callback_for_a_missing_source) {
  receiver rcv{0, 0, 1.0};
  auto source = org.url("/status/404");
  auto tid = create(d, R"({"url":")" + source + R"(","bucket":"cbs",)"
                           + R"("success_callback_url":")" + rcv.url("/ok")
                           + R"(","failure_callback_url":")" + rcv.url("/fail")
                           + R"("})");
  auto hits = rcv.await(answered_200());
  BOOST_REQUIRE_EQUAL(hits.size(), 1u);
  BOOST_CHECK_EQUAL(hits[0].path, "/fail");
  auto& body = hits[0].body;
  BOOST_CHECK_EQUAL(json_field(body, "Code"), "NoSuchDownloadSource");
  BOOST_CHECK(!json_field(body, "Message").empty());
  BOOST_CHECK_EQUAL(json_field(body, "Resource"), source);
  BOOST_CHECK_EQUAL(json_field(body, "RequestId"),
                    hits[0].headers["x-skyhaul-event-id"]);
  BOOST_CHECK_EQUAL(json_field(body, "Task"), "cbs/" + tid);
  BOOST_CHECK_EQUAL(json_field(body, "Files"), "");
  auto log = await_log(d, tid, logged("delivered", 1));
  BOOST_CHECK_MESSAGE(log.find("\"kind\":\"failure\"") != std::string::npos,
                      log);
}

BOOST_AUTO_TEST_CASE(log_and_redeliver_are_for_the_owner_only) {
  receiver rcv{0, 0, 1.0};
  auto tid = create(d, R"({"url":")" + org.url("/file/10")
                           + R"(","success_callback_url":")" + rcv.url("/x")
                           + R"("})");
  rcv.await(answered_200());
  auto bob = d.add_user("bob");
  BOOST_REQUIRE(!bob.api_key.empty());
  auto path = "/task/tid/" + tid + "/callbacks";
  BOOST_CHECK_EQUAL(d.api("GET", path, {}, bob.api_key).status, 404);
  BOOST_CHECK_EQUAL(d.api("POST", path + "/redeliver", {}, bob.api_key).status,
                    404);
  auto unknown = "/task/tid/00000000000000000999/callbacks";
  BOOST_CHECK_EQUAL(d.api("GET", unknown).status, 404);
  BOOST_CHECK_EQUAL(d.api("POST", std::string{unknown} + "/redeliver").status,
                    404);
  BOOST_CHECK_EQUAL(http("GET", d.url() + path).status, 401);
  // A task without a callback has nothing to redeliver.
  auto quiet = create(d, R"({"url":")" + org.url("/file/10") + R"("})");
  auto body = d.await_status(quiet, [](const std::string& b) {
    return json_field(b, "detail.state") == "finished";
  });
  BOOST_REQUIRE_EQUAL(json_field(body, "detail.state"), "finished");
  auto none = d.api("POST", "/task/tid/" + quiet + "/callbacks/redeliver");
  BOOST_CHECK_EQUAL(none.status, 409);
  auto empty = d.api("GET", "/task/tid/" + quiet + "/callbacks");
  BOOST_CHECK_EQUAL(empty.status, 200);
  BOOST_CHECK(empty.body.find("\"callbacks\":[]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(private_receivers_are_refused_by_default) {
  receiver rcv{0, 0, 1.0};
  // The last word wins: this daemon keeps the default network policy.
  server_process strict{{"--allow-private-networks=false"}};
  strict.start();
  // The loopback source is refused too, so the task fails and owes its
  // failure callback -- to a loopback receiver, refused at connect time and
  // given up at once.
  auto tid = create(strict, R"({"url":")" + org.url("/file/10")
                                + R"(","failure_callback_url":")"
                                + rcv.url("/f") + R"("})");
  auto log = await_log(strict, tid, logged("failed", 1));
  BOOST_CHECK_MESSAGE(
      log.find("refused to connect to 127.0.0.1") != std::string::npos, log);
  BOOST_CHECK_MESSAGE(log.find("\"http_status\":0") != std::string::npos, log);
  BOOST_CHECK(rcv.hits().empty());
}

BOOST_AUTO_TEST_CASE(user_add_prints_the_callback_secret) {
  auto cmd = std::string{SKYHAULD_PATH} + " user add carol --data-dir "
             + d.data_dir();
  std::string out;
  if (auto* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    size_t n;
    while ((n = ::fread(buf, 1, sizeof(buf), p)) > 0)
      out.append(buf, n);
    ::pclose(p);
  }
  BOOST_CHECK_EQUAL(json_field(out, "callback_secret").size(), 64u);
  BOOST_CHECK_NE(json_field(out, "callback_secret"), callback_secret());
}

BOOST_AUTO_TEST_CASE(an_owed_callback_survives_kill_9) {
  receiver rcv{1000000, 0, 1.0};
  auto tid = create(d, R"({"url":")" + org.url("/file/100")
                           + R"(","success_callback_url":")" + rcv.url("/k")
                           + R"("})");
  auto before
      = rcv.await([](const std::vector<hit>& hs) { return hs.size() >= 2; });
  BOOST_REQUIRE_GE(before.size(), 2u);
  auto event_id = before[0].headers["x-skyhaul-event-id"];
  d.crash();
  rcv.script(0, 0);
  d.start();
  auto hits = rcv.await(answered_200());
  BOOST_REQUIRE_MESSAGE(answered_200()(hits), hits.size() << " requests");
  for (auto& h : hits)
    BOOST_CHECK_EQUAL(h.headers["x-skyhaul-event-id"], event_id);
  BOOST_CHECK_EQUAL(hits.back().answer, "200");
  auto log = await_log(d, tid, [](const rapidjson::Document& doc) {
    auto& cbs = doc["callbacks"];
    return cbs.Size() == 1
           && cbs[0]["state"].GetString() == std::string{"delivered"};
  });
  BOOST_CHECK_MESSAGE(log.find("\"delivered\"") != std::string::npos, log);
}

BOOST_AUTO_TEST_SUITE_END()
