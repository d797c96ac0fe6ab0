#define BOOST_TEST_MODULE offcloud_plans_integration
#include <boost/test/unit_test.hpp>

// What a plan holds a user to beyond its flags, against the real skyhauld
// and the local origin: the storage quota (a new request once the cloud
// is full, a download whose size does not fit beside the stored bytes
// and the other downloads in progress as soon as its size is known, and
// one of unknown size as it finishes, on the Offcloud face and the Task
// API alike), video-sharing sites, and the user's default proxy.

#include <csignal>
#include <fstream>

#include "tests/support/daemon.hpp"
#include "tests/support/offcloud_calls.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/task_calls.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

const char* config_json = R"({
  "plans": [
    {"name": "full"},
    {"name": "small", "storage_quota": 1000},
    {"name": "mid", "storage_quota": 300000},
    {"name": "novideo", "video": false},
    {"name": "noproxy", "proxy": false}
  ],
  "default_plan": "full",
  "video_sites": ["videos.example", "127.0.0.1"],
  "proxies": [{"id": "dead", "name": "Nowhere", "region": "eu",
               "url": "http://127.0.0.1:9"}]
})";

struct fixture {
  scratch s{"skyhaul-oc-plans"};
  origin org;
  server_process d{{"--config", write_config(s.dir), "--max-tries", "1"}};
  fixture() {
    d.start();
  }
  static std::string write_config(const std::string& dir) {
    auto path = dir + "/config.json";
    std::ofstream{path} << config_json;
    return path;
  }
  user make(const std::string& name, const std::string& plan = "full") {
    return d.add_user(name, "--email " + name + "@example.com --plan " + plan);
  }
  size_t history_size(const user& u) {
    return oc::parse(oc::get(d, "/api/cloud/history", u.api_key).body).Size();
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(a_full_cloud_refuses_new_requests_on_every_face,
                        fixture) {
  auto u = make("amy", "small");
  // Exactly the quota: allowed, since it does not pass it.
  auto first = oc::cloud(d, org.url("/file/1000"), u.api_key);
  BOOST_REQUIRE_EQUAL(oc::await(d, first, u.api_key), "downloaded");
  auto refused = oc::post(d, "/cloud", oc::form({{"url", org.url("/file/1")}}),
                          u.api_key);
  BOOST_CHECK_MESSAGE(json_field(refused.body, "not_available") == "cloud",
                      refused.body);
  for (auto path : {"/instant", "/remote"}) {
    auto r = oc::post(d, path,
                      oc::form({{"url", org.url("/file/1")},
                                {"remoteOptionId", "1"}}),
                      u.api_key);
    BOOST_CHECK_MESSAGE(json_field(r.body, "not_available") == "cloud",
                        path << ": " << r.body);
  }
  BOOST_CHECK_EQUAL(history_size(u), 1u);
  // The Task API refuses in its own shape, by the same rule.
  auto task = d.api("POST", "/task",
                    R"({"url":")" + org.url("/file/1") + R"("})", u.api_key);
  BOOST_CHECK_EQUAL(task.status, 403);
  BOOST_CHECK_EQUAL(json_field(task.body, "status"), "error");
  BOOST_CHECK_MESSAGE(json_field(task.body, "errmsg").find("storage")
                          != std::string::npos,
                      task.body);
  // And so does a batch, for all of its specs.
  auto batch = d.api("POST", "/task/batch/create",
                     R"({"tasks":[{"url":")" + org.url("/file/1")
                         + R"("},{"url":")" + org.url("/file/2") + R"("}]})",
                     u.api_key);
  BOOST_CHECK_EQUAL(batch.status, 403);
  BOOST_CHECK_MESSAGE(json_field(batch.body, "errmsg").find("storage")
                          != std::string::npos,
                      batch.body);
  BOOST_CHECK_EQUAL(history_size(u), 1u);
  // Removing what is stored makes room again.
  BOOST_REQUIRE_EQUAL(
      json_field(oc::get(d, "/cloud/remove/" + first, u.api_key).body,
                 "success"),
      "true");
  auto again = oc::cloud(d, org.url("/file/10"), u.api_key);
  BOOST_CHECK_EQUAL(oc::await(d, again, u.api_key), "downloaded");
  // A plan without a quota is not held to one.
  auto big = make("bob");
  for (int i = 0; i < 2; ++i)
    BOOST_CHECK_EQUAL(
        oc::await(d, oc::cloud(d, org.url("/file/1000"), big.api_key),
                  big.api_key),
        "downloaded");
}

BOOST_FIXTURE_TEST_CASE(a_download_that_would_overfill_fails_as_it_finishes,
                        fixture) {
  auto u = make("cat", "small");
  auto a = oc::cloud(d, org.url("/file/600"), u.api_key);
  BOOST_REQUIRE_EQUAL(oc::await(d, a, u.api_key), "downloaded");
  // 600 stored, under the quota: the request is taken, but its 601 bytes,
  // of a size the origin does not announce, make 1201 at the finish.
  auto b = oc::cloud(d, org.url("/nolen/601"), u.api_key);
  BOOST_CHECK_EQUAL(oc::await(d, b, u.api_key), "error");
  auto st = oc::post(d, "/cloud/status", oc::form({{"requestId", b}}),
                     u.api_key);
  BOOST_CHECK_MESSAGE(json_field(st.body, "status.errorMessage").find("storage")
                          != std::string::npos,
                      st.body);
  // Its object went with it: the link does not serve it, and the first
  // request's still does.
  BOOST_CHECK_NE(http("GET", json_field(st.body, "status.url")).status, 200);
  auto sa = oc::post(d, "/cloud/status", oc::form({{"requestId", a}}),
                     u.api_key);
  auto got = http("GET", json_field(sa.body, "status.url"));
  BOOST_CHECK_EQUAL(got.status, 200);
  BOOST_CHECK_EQUAL(got.body.size(), 600u);
  // The Task API sees the same failed task.
  // (Both ids are the task's sequence number in hex, 24 and 20 digits.)
  auto tid = "0000" + b.substr(8);
  auto body = d.await_status(tid, ended(), 10s, u.api_key);
  BOOST_CHECK_EQUAL(state_of(body), "failed");
  // A Task API download is held to the same quota at its finish.
  auto t = create(d, R"({"url":")" + org.url("/nolen/500") + R"("})",
                  u.api_key);
  BOOST_CHECK_EQUAL(state_of(d.await_status(t, ended(), 20s, u.api_key)),
                    "failed");
  // And one that fits finishes.
  auto fits = create(d, R"({"url":")" + org.url("/file/400") + R"("})",
                     u.api_key);
  BOOST_CHECK_EQUAL(state_of(d.await_status(fits, ended(), 20s, u.api_key)),
                    "finished");
}

BOOST_FIXTURE_TEST_CASE(downloads_in_progress_hold_their_size_of_the_quota,
                        fixture) {
  auto u = make("dog", "mid");
  auto slow = [&](uint64_t size) {
    return create(d, R"({"url":")"
                         + org.url("/slow/" + std::to_string(size)
                                   + "?bps=40000")
                         + R"("})",
                  u.api_key);
  };
  auto downloading = [](const std::string& b) {
    return state_of(b) == "downloading";
  };
  // Its size is known (and so held) once the origin's answer came; being
  // downloading alone says only that the request went out.
  auto sized = [&](const std::string& b) {
    return downloading(b) && json_field(b, "detail.total_bytes") == "200000";
  };
  // Each fits the 300000 bytes alone; together they do not.
  auto a = slow(200000);
  d.await_status(a, sized, 10s, u.api_key);
  auto b = slow(200000);
  auto body = d.await_status(b, ended(), 10s, u.api_key);
  BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.error.code"), "quota_exceeded");
  BOOST_CHECK_MESSAGE(json_field(body, "detail.error.message").find("storage")
                          != std::string::npos,
                      body);
  // Refused as soon as its size was known: the first still runs.
  BOOST_CHECK_MESSAGE(
      downloading(d.api("GET", "/task/tid/" + a + "/status", {}, u.api_key)
                      .body),
      "the first download ended before the second was refused");
  BOOST_CHECK_EQUAL(state_of(d.await_status(a, ended(), 30s, u.api_key)),
                    "finished");
  // The finished one holds 200000; its promise went with its finish, so
  // what is left fits exactly.
  auto c = slow(100000);
  BOOST_CHECK_EQUAL(state_of(d.await_status(c, ended(), 30s, u.api_key)),
                    "finished");
}

BOOST_FIXTURE_TEST_CASE(video_sites_need_the_video_plan, fixture) {
  auto no = make("dan", "novideo");
  for (auto url : {std::string{"https://www.videos.example/watch?v=1"},
                   std::string{"http://videos.example/x.mp4"},
                   org.url("/file/10")}) {
    for (auto path : {"/cloud", "/instant", "/remote"}) {
      auto r = oc::post(d, path, oc::form({{"url", url},
                                           {"remoteOptionId", "1"}}),
                        no.api_key);
      BOOST_CHECK_MESSAGE(json_field(r.body, "not_available") == "video",
                          path << " " << url << ": " << r.body);
    }
  }
  BOOST_CHECK_EQUAL(history_size(no), 0u);
  // A look-alike host is not the site.
  auto other = oc::post(d, "/cloud",
                        oc::form({{"url", "http://notvideos.example/x"}}),
                        no.api_key);
  BOOST_CHECK(json_field(other.body, "not_available").empty());
  // The video plan downloads the same URL.
  auto yes = make("eva");
  auto rid = oc::cloud(d, org.url("/file/10"), yes.api_key);
  BOOST_CHECK_EQUAL(oc::await(d, rid, yes.api_key), "downloaded");
}

BOOST_FIXTURE_TEST_CASE(a_default_proxy_serves_requests_naming_none,
                        fixture) {
  auto u = make("fox");
  auto none = oc::get(d, "/api/proxy/default", u.api_key);
  BOOST_CHECK_EQUAL(json_field(none.body, "proxyId"), "");
  // Bad input is refused and changes nothing.
  auto bad = oc::post(d, "/proxy/default", oc::form({{"proxyId", "nope"}}),
                      u.api_key);
  BOOST_CHECK_EQUAL(bad.status, 400);
  BOOST_CHECK(!json_field(bad.body, "error").empty());
  auto np = make("gus", "noproxy");
  BOOST_CHECK_EQUAL(
      json_field(oc::post(d, "/proxy/default", oc::form({{"proxyId", "dead"}}),
                          np.api_key)
                     .body,
                 "not_available"),
      "proxy");
  BOOST_CHECK_EQUAL(http("POST", d.url() + "/api/proxy/default",
                         oc::form({{"proxyId", "dead"}}), oc::form_type)
                        .status,
                    401);
  // Set: a request naming no proxy goes through it (a proxy that is not
  // there, so the download fails), while another user's goes direct.
  auto set = oc::post(d, "/proxy/default", oc::form({{"proxyId", "dead"}}),
                      u.api_key);
  BOOST_REQUIRE_MESSAGE(json_field(set.body, "success") == "true", set.body);
  BOOST_CHECK_EQUAL(
      json_field(oc::get(d, "/api/proxy/default", u.api_key).body, "proxyId"),
      "dead");
  auto through = oc::cloud(d, org.url("/file/10"), u.api_key);
  BOOST_CHECK_EQUAL(oc::await(d, through, u.api_key), "error");
  auto other = make("hex");
  BOOST_CHECK_EQUAL(oc::await(d, oc::cloud(d, org.url("/file/10"),
                                           other.api_key),
                              other.api_key),
                    "downloaded");
  // Cleared: direct again.
  oc::post(d, "/proxy/default", oc::form({{"proxyId", ""}}), u.api_key);
  auto direct = oc::cloud(d, org.url("/file/10"), u.api_key);
  BOOST_CHECK_EQUAL(oc::await(d, direct, u.api_key), "downloaded");
  // It survives a restart (stored in LMDB).
  oc::post(d, "/proxy/default", oc::form({{"proxyId", "dead"}}), u.api_key);
  BOOST_REQUIRE_EQUAL(d.stop(SIGTERM), 0);
  d.start();
  BOOST_CHECK_EQUAL(
      json_field(oc::get(d, "/api/proxy/default", u.api_key).body, "proxyId"),
      "dead");
}
