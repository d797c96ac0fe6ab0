#define BOOST_TEST_MODULE offcloud_cloud_integration
#include <boost/test/unit_test.hpp>

// The Offcloud face's cloud requests against the real skyhauld and the
// local origin, sent as the clients in use send them: form bodies to
// <base>/api/... with ?key=. Create, both status shapes, the status words
// through a request's life, history, downloads by the links the replies
// hand out, retry, remove, and bad input.

#include <regex>

#include "tests/support/daemon.hpp"
#include "tests/support/offcloud_calls.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/task_calls.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

struct fixture {
  origin org;
  server_process d{{"--max-active=1"}};
  std::string key;
  fixture() {
    d.start();
    key = d.admin().api_key;
  }
};

/// Strips the scheme and host of a link the face handed out.
std::string path_of(const std::string& url) {
  auto start = url.find("://");
  return url.substr(url.find('/', start + 3));
}

/// Polls until the status is `want`, bounded; returns the last word.
std::string await_word(const server_process& d, const std::string& rid,
                       const std::string& key, const std::string& want) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  std::string s;
  while (std::chrono::steady_clock::now() < deadline) {
    s = oc::status_of(d, rid, key);
    if (s == want || s == "error")
      return s;
    struct timespec ts {0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  return s;
}

} // namespace

BOOST_FIXTURE_TEST_CASE(create_answers_the_seed_fields, fixture) {
  auto src = org.url("/file/4096?name=data.bin");
  auto res = oc::post(d, "/cloud", oc::form({{"url", src}}), key);
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
  auto rid = json_field(res.body, "requestId");
  BOOST_CHECK(std::regex_match(rid, std::regex{"[0-9a-f]{24}"}));
  BOOST_CHECK_EQUAL(json_field(res.body, "status"), "created");
  BOOST_CHECK_EQUAL(json_field(res.body, "originalLink"), src);
  BOOST_CHECK_EQUAL(json_field(res.body, "site"), "127.0.0.1");
  BOOST_CHECK(std::regex_match(
      json_field(res.body, "createdOn"),
      std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"}));
  auto url = json_field(res.body, "url");
  BOOST_CHECK_MESSAGE(url.find("/cloud/download/" + rid + "/") != std::string::npos,
                      url);
  // The same task on the Task API, under its 20-digit tid.
  BOOST_REQUIRE_EQUAL(oc::await(d, rid, key), "downloaded");
  auto tid = rid.substr(4);
  auto task = d.api("GET", "/task/tid/" + tid + "/status");
  BOOST_CHECK_EQUAL(state_of(task.body), "finished");
  auto list = d.api("GET", "/task/list");
  BOOST_CHECK(list.body.find(tid) != std::string::npos);
  // The link works as it is: no key, the bytes of the origin.
  auto got = http("GET", url);
  BOOST_REQUIRE_EQUAL(got.status, 200);
  BOOST_CHECK(got.body == origin_content(4096));
  // The name the source gave, once it is known.
  auto st = oc::post(d, "/cloud/status", oc::form({{"requestId", rid}}), key);
  BOOST_CHECK_EQUAL(json_field(st.body, "status.fileName"), "data.bin");
  BOOST_CHECK_EQUAL(json_field(st.body, "status.requestId"), rid);
}

BOOST_FIXTURE_TEST_CASE(status_words_through_a_life, fixture) {
  // One slot: a slow download holds it while the second waits.
  auto slow = oc::cloud(d, org.url("/slow/400000?bps=200000"), key);
  auto second = oc::cloud(d, org.url("/file/1000"), key);
  BOOST_CHECK_EQUAL(await_word(d, slow, key, "downloading"), "downloading");
  BOOST_CHECK_EQUAL(oc::status_of(d, second, key), "queued");
  // amount counts bytes done while it runs.
  auto mid = oc::post(d, "/cloud/status", oc::form({{"requestId", slow}}), key);
  BOOST_CHECK_EQUAL(json_field(mid.body, "status.fileSize"), "400000");
  BOOST_CHECK_EQUAL(oc::await(d, slow, key), "downloaded");
  BOOST_CHECK_EQUAL(oc::await(d, second, key), "downloaded");
  auto done = oc::post(d, "/cloud/status", oc::form({{"requestId", slow}}), key);
  BOOST_CHECK_EQUAL(json_field(done.body, "status.amount"), "400000");
  BOOST_CHECK_EQUAL(json_field(done.body, "status.isDirectory"), "false");
  BOOST_CHECK(!json_field(done.body, "status.server").empty());
  // Paused on the Task API: waiting again, "queued" here.
  auto third = oc::cloud(d, org.url("/slow/400000?bps=50000"), key);
  BOOST_CHECK_EQUAL(await_word(d, third, key, "downloading"), "downloading");
  auto paused = d.api("PUT", "/task/tid/" + third.substr(4) + "?act=pause");
  BOOST_CHECK_EQUAL(paused.status, 200);
  BOOST_CHECK_EQUAL(oc::status_of(d, third, key), "queued");
}

BOOST_FIXTURE_TEST_CASE(instant_streams_what_has_arrived, fixture) {
  auto size = 600000;
  auto res = oc::post(d, "/instant/download",
                      oc::form({{"url", org.url("/slow/600000?bps=150000")}}),
                      key);
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
  BOOST_CHECK_EQUAL(json_field(res.body, "status"), "created");
  auto rid = json_field(res.body, "requestId");
  auto url = json_field(res.body, "url");
  BOOST_REQUIRE_EQUAL(await_word(d, rid, key, "downloading"), "downloading");
  // The first bytes flow before the download ends.
  response part;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  do {
    part = http("GET", url);
  } while (part.status != 206 && std::chrono::steady_clock::now() < deadline);
  BOOST_REQUIRE_MESSAGE(part.status == 206, part.status << " " << part.body);
  BOOST_CHECK_GT(part.body.size(), 0u);
  BOOST_CHECK_LT(part.body.size(), size_t(size));
  BOOST_CHECK(part.body == origin_content(size).substr(0, part.body.size()));
  BOOST_CHECK(part.headers["content-range"].find("/600000")
              != std::string::npos);
  // A range within what arrived is served from it.
  auto some = http("GET", url, {}, {"Range: bytes=1-4"});
  BOOST_CHECK_EQUAL(some.status, 206);
  BOOST_CHECK(some.body == origin_content(size).substr(1, 4));
  BOOST_REQUIRE_EQUAL(oc::await(d, rid, key), "downloaded");
  auto whole = http("GET", url);
  BOOST_CHECK_EQUAL(whole.status, 200);
  BOOST_CHECK(whole.body == origin_content(size));
  // Instant calls have their own status and history names.
  auto st = oc::post(d, "/instant/status", oc::form({{"requestId", rid}}), key);
  BOOST_CHECK_EQUAL(json_field(st.body, "status.status"), "downloaded");
  BOOST_CHECK(oc::get(d, "/api/instant/history", key).body.find(rid)
              != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(status_of_many_in_every_spelling, fixture) {
  auto a = oc::cloud(d, org.url("/file/100"), key);
  auto b = oc::cloud(d, org.url("/file/200"), key);
  oc::await(d, a, key);
  oc::await(d, b, key);
  auto unknown = std::string(23, '0') + "f";
  for (auto& body :
       {oc::form({{"requestIds[0]", a}, {"requestIds[1]", b},
                  {"requestIds[2]", unknown}}),
        oc::form({{"requestIds[]", a}, {"requestIds[]", b}}),
        oc::form({{"requestIds", a}, {"requestIds", b}})}) {
    auto res = oc::post(d, "/cloud/status", body, key);
    BOOST_REQUIRE_EQUAL(res.status, 200);
    auto doc = oc::parse(res.body);
    BOOST_REQUIRE(doc.IsObject() && doc.HasMember("requests"));
    auto& reqs = doc["requests"];
    BOOST_REQUIRE_EQUAL(reqs.Size(), 2u);
    BOOST_CHECK_EQUAL(reqs[0]["requestId"].GetString(), a);
    BOOST_CHECK_EQUAL(reqs[1]["requestId"].GetString(), b);
    BOOST_CHECK_EQUAL(reqs[1]["status"].GetString(), std::string{"downloaded"});
    BOOST_CHECK_EQUAL(reqs[1]["fileSize"].GetUint64(), 200u);
  }
  auto json = http("POST", d.url() + "/api/cloud/status?key=" + key,
                   R"({"requestIds":[")" + a + R"("]})",
                   {"Content-Type: application/json"});
  BOOST_CHECK_EQUAL(oc::parse(json.body)["requests"].Size(), 1u);
  // A single unknown id is an error in the face's shape.
  auto none = oc::post(d, "/cloud/status", oc::form({{"requestId", unknown}}),
                       key);
  BOOST_CHECK_EQUAL(none.status, 404);
  BOOST_CHECK(!json_field(none.body, "error").empty());
}

BOOST_FIXTURE_TEST_CASE(history_is_newest_first_and_paged, fixture) {
  auto a = oc::cloud(d, org.url("/file/10"), key);
  auto b = oc::cloud(d, org.url("/file/20"), key);
  auto res = oc::get(d, "/api/cloud/history", key);
  BOOST_REQUIRE_EQUAL(res.status, 200);
  auto doc = oc::parse(res.body);
  BOOST_REQUIRE(doc.IsArray());
  BOOST_REQUIRE_EQUAL(doc.Size(), 2u);
  BOOST_CHECK_EQUAL(doc[0]["requestId"].GetString(), b);
  BOOST_CHECK_EQUAL(doc[1]["requestId"].GetString(), a);
  for (auto name : {"fileName", "status", "originalLink", "createdOn",
                    "server", "isDirectory", "site", "fileSize"})
    BOOST_CHECK_MESSAGE(doc[0].HasMember(name), name);
  auto page1 = oc::get(d, "/api/cloud/history?page=1", key);
  BOOST_CHECK_EQUAL(page1.body, "[]");
  BOOST_CHECK_EQUAL(oc::get(d, "/api/cloud/history?page=x", key).status, 400);
}

BOOST_FIXTURE_TEST_CASE(downloads_by_link_key_range_and_etag, fixture) {
  auto rid = oc::cloud(d, org.url("/file/5000?name=part.bin"), key);
  BOOST_REQUIRE_EQUAL(oc::await(d, rid, key), "downloaded");
  auto st = oc::post(d, "/cloud/status", oc::form({{"requestId", rid}}), key);
  auto url = json_field(st.body, "status.url");
  auto part = http("GET", url, {}, {"Range: bytes=10-19"});
  BOOST_REQUIRE_EQUAL(part.status, 206);
  BOOST_CHECK(part.body == origin_content(5000).substr(10, 10));
  auto etag = part.headers["etag"];
  BOOST_REQUIRE(!etag.empty());
  BOOST_CHECK_EQUAL(http("GET", url, {}, {"If-None-Match: " + etag}).status,
                    304);
  BOOST_CHECK_EQUAL(http("GET", url, {}, {"Range: bytes=9000-"}).status, 416);
  // A bent signature is refused; the key alone works; another user's not.
  auto bent = url.substr(0, url.size() - 1)
              + (url.back() == '0' ? "1" : "0");
  auto refused = http("GET", bent);
  BOOST_CHECK_EQUAL(refused.status, 403);
  BOOST_CHECK(!json_field(refused.body, "error").empty());
  auto plain = d.url() + "/cloud/download/" + rid + "/part.bin";
  BOOST_CHECK_EQUAL(http("GET", plain).status, 401);
  BOOST_CHECK_EQUAL(http("GET", plain + "?key=" + key).status, 200);
  auto other = d.add_user("other");
  BOOST_CHECK_EQUAL(http("GET", plain + "?key=" + other.api_key).status, 404);
  // The link made at creation, named from the URL, works too.
  BOOST_CHECK_EQUAL(
      http("GET", d.url() + "/cloud/download/" + rid + "/5000?key=" + key)
          .status,
      200);
  BOOST_CHECK_EQUAL(
      http("GET", d.url() + "/cloud/download/" + rid + "/9/x.bin?key=" + key)
          .status,
      404);
}

BOOST_FIXTURE_TEST_CASE(retry_restarts_a_failed_request, fixture) {
  auto rid = oc::cloud(d, org.url("/status/404"), key);
  BOOST_REQUIRE_EQUAL(oc::await(d, rid, key), "error");
  auto st = oc::post(d, "/cloud/status", oc::form({{"requestId", rid}}), key);
  BOOST_CHECK(!json_field(st.body, "status.errorMessage").empty());
  auto again = oc::get(d, "/api/cloud/retry/" + rid, key);
  BOOST_REQUIRE_MESSAGE(again.status == 200, again.body);
  BOOST_CHECK_EQUAL(json_field(again.body, "success"), "true");
  BOOST_CHECK_EQUAL(oc::await(d, rid, key), "error");
  auto ok = oc::cloud(d, org.url("/file/10"), key);
  BOOST_REQUIRE_EQUAL(oc::await(d, ok, key), "downloaded");
  auto refused = oc::get(d, "/api/cloud/retry/" + ok, key);
  BOOST_CHECK_EQUAL(refused.status, 409);
  BOOST_CHECK(!json_field(refused.body, "error").empty());
}

BOOST_FIXTURE_TEST_CASE(remove_takes_the_request_and_its_objects, fixture) {
  auto a = oc::cloud(d, org.url("/file/10"), key);
  auto b = oc::cloud(d, org.url("/file/20"), key);
  auto c = oc::cloud(d, org.url("/file/30"), key);
  for (auto& r : {a, b, c})
    BOOST_REQUIRE_EQUAL(oc::await(d, r, key), "downloaded");
  auto st = oc::post(d, "/cloud/status", oc::form({{"requestId", a}}), key);
  auto url = json_field(st.body, "status.url");
  auto gone = oc::get(d, "/cloud/remove/" + a, key);
  BOOST_REQUIRE_MESSAGE(gone.status == 200, gone.body);
  BOOST_CHECK_EQUAL(json_field(gone.body, "success"), "true");
  BOOST_CHECK_EQUAL(
      oc::post(d, "/cloud/status", oc::form({{"requestId", a}}), key).status,
      404);
  BOOST_CHECK_NE(http("GET", url).status, 200);
  auto both = http("POST", d.url() + "/api/cloud/remove?key=" + key,
                   R"({"requests":[")" + b + R"(",")" + c + R"("]})",
                   {"Content-Type: application/json"});
  BOOST_CHECK_EQUAL(json_field(both.body, "success"), "true");
  BOOST_CHECK_EQUAL(oc::get(d, "/api/cloud/history", key).body, "[]");
  BOOST_CHECK_EQUAL(oc::get(d, "/cloud/remove/" + a, key).status, 404);
}

BOOST_FIXTURE_TEST_CASE(bad_input_answers_errors_and_starts_nothing, fixture) {
  auto other = d.add_user("mallory");
  auto mine = oc::cloud(d, org.url("/file/10"), key);
  auto expect_error = [](const response& res, long status) {
    BOOST_CHECK_MESSAGE(res.status == status, res.status << " " << res.body);
    BOOST_CHECK_MESSAGE(!json_field(res.body, "error").empty(), res.body);
  };
  // Another user's request is unknown to them, in every call.
  expect_error(oc::post(d, "/cloud/status", oc::form({{"requestId", mine}}),
                        other.api_key),
               404);
  expect_error(oc::get(d, "/api/cloud/retry/" + mine, other.api_key), 404);
  expect_error(oc::get(d, "/cloud/remove/" + mine, other.api_key), 404);
  expect_error(oc::get(d, "/api/cloud/explore/" + mine, other.api_key), 404);
  expect_error(oc::get(d, "/api/cloud/retry/nothex", key), 404);
  for (auto bad : {"", "notaurl", "ftp:/x", "http://", "javascript:alert(1)"})
    expect_error(oc::post(d, "/cloud", oc::form({{"url", bad}}), key), 400);
  std::string big(2 << 20, 'a');
  expect_error(oc::post(d, "/cloud", "url=" + big, key), 413);
  expect_error(http("POST", d.url() + "/api/cloud", "url=x"), 401);
  BOOST_CHECK_EQUAL(json_field(http("POST", d.url() + "/api/cloud").body,
                               "error"),
                    "NOAUTH");
  expect_error(oc::get(d, "/api/no/such/call", key), 404);
  // Nothing was started by any of it, and the good request is intact.
  auto hist = oc::parse(oc::get(d, "/api/cloud/history", key).body);
  BOOST_CHECK_EQUAL(hist.Size(), 1u);
  BOOST_CHECK_EQUAL(oc::parse(oc::get(d, "/api/cloud/history", other.api_key)
                                  .body)
                        .Size(),
                    0u);
  BOOST_CHECK_EQUAL(oc::await(d, mine, key), "downloaded");
}

BOOST_FIXTURE_TEST_CASE(a_python_client_as_debrid_managers_write_them,
                        fixture) {
  auto cmd = "python3 " SKYHAUL_TEST_SUPPORT_DIR "/offcloud_client.py "
             + d.url() + "/api/ " + key + " "
             + org.url("/file/3000?name=client.bin") + " 2>&1";
  std::string out;
  int rc = -1;
  if (auto* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    size_t n;
    while ((n = ::fread(buf, 1, sizeof(buf), p)) > 0)
      out.append(buf, n);
    rc = ::pclose(p);
  }
  BOOST_CHECK_MESSAGE(rc == 0, out);
  BOOST_CHECK_MESSAGE(out.find("ok 3000") != std::string::npos, out);
}
