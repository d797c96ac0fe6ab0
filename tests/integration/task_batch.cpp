#define BOOST_TEST_MODULE task_batch_integration
#include <boost/test/unit_test.hpp>

// `POST /task/batch/create` against the real skyhauld and the local origin:
// good and bad specs mixed, the limits, and a batch acknowledged just
// before a `kill -9` surviving it whole.

#include <set>
#include <string>

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/task_calls.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

/// `{"tasks":[…]}` of the given JSON objects.
std::string batch_of(const std::vector<std::string>& specs) {
  std::string body = R"({"tasks":[)";
  for (size_t i = 0; i < specs.size(); ++i)
    body += (i ? "," : "") + specs[i];
  return body + "]}";
}

} // namespace

BOOST_AUTO_TEST_CASE(good_and_bad_specs_each_get_their_answer) {
  origin org;
  server_process d;
  d.start();
  const size_t size = 70000;
  auto want = expected_digests(size);
  auto good = R"({"url":")" + org.url("/file/" + std::to_string(size))
              + R"(","bucket":"batch","key":"one.bin","sha1":")" + want.sha1
              + R"("})";
  auto paused = R"({"url":")" + org.url("/file/10") + R"(","paused":true})";
  auto res = d.api("POST", "/task/batch/create",
                   batch_of({good, R"({"url":"gopher://x/y"})", paused,
                             R"({"url":1})", R"("not an object")",
                             R"({"url":"http://a/b","md5":"xyz"})"}));
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
  BOOST_CHECK_EQUAL(json_field(res.body, "status"), "success");
  BOOST_CHECK_EQUAL(json_field(res.body, "created"), "2");
  BOOST_CHECK_EQUAL(json_field(res.body, "failed"), "4");
  // In the order of the specs.
  for (auto i : {"0", "2"}) {
    BOOST_CHECK_EQUAL(json_field(res.body, std::string{"detail."} + i + ".status"),
                      "success");
    BOOST_CHECK_EQUAL(json_field(res.body, std::string{"detail."} + i + ".tid").size(),
                      20u);
  }
  for (auto i : {"1", "3", "4", "5"}) {
    BOOST_CHECK_EQUAL(json_field(res.body, std::string{"detail."} + i + ".status"),
                      "error");
    BOOST_CHECK(!json_field(res.body, std::string{"detail."} + i + ".errmsg").empty());
  }
  BOOST_CHECK(json_field(res.body, "detail.1.errmsg").find("scheme")
              != std::string::npos);
  BOOST_CHECK(json_field(res.body, "detail.5.errmsg").find("md5")
              != std::string::npos);
  // The good ones are ordinary tasks: one downloads and verifies, the
  // other waits paused.
  auto first = json_field(res.body, "detail.0.tid");
  auto body = d.await_status(first, ended(), 30s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.files.0.sha1"), want.sha1);
  auto second = json_field(res.body, "detail.2.tid");
  BOOST_CHECK_EQUAL(
      state_of(d.api("GET", "/task/tid/" + second + "/status").body), "paused");
  // Another user sees none of them.
  auto bob = d.add_user("bob");
  BOOST_CHECK_EQUAL(
      d.api("GET", "/task/tid/" + first + "/status", {}, bob.api_key).status,
      404);
}

BOOST_AUTO_TEST_CASE(limits_and_shapes_are_checked) {
  server_process d;
  d.start();
  auto call = [&](const std::string& body) {
    return d.api("POST", "/task/batch/create", body);
  };
  BOOST_CHECK_EQUAL(call("{").status, 400);
  BOOST_CHECK_EQUAL(call(R"({"tasks":{}})").status, 400);
  BOOST_CHECK_EQUAL(call(R"({"tasks":[]})").status, 400);
  BOOST_CHECK_EQUAL(call(R"({"tasks":[{"url":"http://a/b"}],"x":1})").status,
                    400);
  // 10,001 specs: refused whole, nothing created.
  std::vector<std::string> many(10001, R"({"url":"http://a/b","paused":true})");
  auto over = call(batch_of(many));
  BOOST_CHECK_EQUAL(over.status, 413);
  BOOST_CHECK_EQUAL(json_field(over.body, "status"), "error");
  BOOST_CHECK_EQUAL(
      json_field(d.api("GET", "/task/state_counter").body, "detail.all"), "0");
  // The larger body is for authenticated callers: without a key a body
  // over the listener's usual limit is refused before it is read.
  std::string big = batch_of(std::vector<std::string>(
      40000, R"({"url":"http://a/b","paused":true})"));
  auto anon = http("POST", d.url() + "/task/batch/create", big);
  BOOST_CHECK(anon.status == 413 || anon.status == 401);
  BOOST_CHECK_EQUAL(d.api("POST", "/task/batch/pause", big).status, 413);
  // Brackets nested as deep as the body allows are a bad body, not a
  // crash: the parser keeps its stack on the heap.
  std::string deep(900000, '[');
  BOOST_CHECK_EQUAL(d.api("POST", "/task", deep).status, 400);
  BOOST_CHECK_EQUAL(call(R"({"tasks":)" + deep).status, 400);
  BOOST_CHECK_EQUAL(call(R"({"tasks":[)" + deep + "]}").status, 400);
  BOOST_CHECK_EQUAL(d.api("GET", "/healthz").status, 200);
}

BOOST_AUTO_TEST_CASE(an_acknowledged_batch_survives_kill_9) {
  server_process d;
  d.start();
  std::vector<std::string> specs;
  for (int i = 0; i < 2000; ++i)
    specs.push_back(R"({"url":"http://example.invalid/f)" + std::to_string(i)
                    + R"(","paused":true})");
  auto res = d.api("POST", "/task/batch/create", batch_of(specs));
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
  BOOST_REQUIRE_EQUAL(json_field(res.body, "created"), "2000");
  std::set<std::string> tids;
  for (int i = 0; i < 2000; ++i)
    tids.insert(json_field(res.body, "detail." + std::to_string(i) + ".tid"));
  BOOST_CHECK_EQUAL(tids.size(), 2000u);
  d.crash();
  d.start();
  BOOST_CHECK_EQUAL(
      json_field(d.api("GET", "/task/state_counter").body, "detail.paused"),
      "2000");
  for (auto& tid : {*tids.begin(), *tids.rbegin()})
    BOOST_CHECK_EQUAL(
        state_of(d.api("GET", "/task/tid/" + tid + "/status").body), "paused");
}
