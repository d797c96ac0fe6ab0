#define BOOST_TEST_MODULE metrics_integration
#include <boost/test/unit_test.hpp>

// GET /metrics of the real skyhauld: who may read it, that the counters
// move by what the work done in between says, and that Prometheus' own
// checker accepts the exposition.

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <sys/wait.h>

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/task_calls.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

const std::string token = "scrape-token-0123456789";

/// Series (name with labels, as written) to value.
using samples = std::map<std::string, double>;

samples parse(const std::string& text) {
  samples out;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    auto sp = line.rfind(' ');
    BOOST_REQUIRE_MESSAGE(sp != std::string::npos, "bad line: " << line);
    out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
  }
  return out;
}

double value(const samples& s, const std::string& series) {
  auto i = s.find(series);
  return i == s.end() ? 0.0 : i->second;
}

struct fixture {
  origin org;
  receiver rcv{1, 0, 0};
  server_process d{{"--metrics-token", token, "--callback-retry-base-ms",
                    "100", "--callback-retry-max-ms", "200"}};
  fixture() {
    d.start();
  }

  response scrape(const std::string& auth) const {
    std::vector<std::string> headers;
    if (!auth.empty())
      headers.push_back("Authorization: " + auth);
    return http("GET", d.url() + "/metrics", {}, headers);
  }

  samples read() const {
    auto res = scrape("Bearer " + token);
    BOOST_REQUIRE_EQUAL(res.status, 200);
    return parse(res.body);
  }

  /// Scrapes until `pred` holds (bounded): some figures follow the work
  /// by a moment (a live task is released after its final record).
  template <class Pred> samples read_until(Pred pred) const {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    for (;;) {
      auto s = read();
      if (pred(s) || std::chrono::steady_clock::now() > deadline)
        return s;
      std::this_thread::sleep_for(20ms);
    }
  }
};

/// Runs `promtool check metrics` on `text`; its exit status and output.
std::pair<int, std::string> promtool(const std::string& text) {
  auto path = std::string{"/tmp/skyhaul-metrics-"} + std::to_string(getpid())
              + ".txt";
  {
    std::ofstream f{path};
    f << text;
  }
  auto cmd = "promtool check metrics < " + path + " 2>&1";
  std::string out;
  auto* p = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p != nullptr);
  char buf[512];
  while (auto n = fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  auto status = pclose(p);
  std::remove(path.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(metrics, fixture)

BOOST_AUTO_TEST_CASE(refuses_without_the_token_or_an_admin_key) {
  auto user = d.add_user("plain");
  for (auto auth : {std::string{}, std::string{"Bearer wrong-token"},
                    "Bearer " + token.substr(0, token.size() - 1),
                    "Bearer " + user.api_key, "Basic " + token}) {
    BOOST_TEST_CONTEXT("Authorization: " << auth) {
      auto res = scrape(auth);
      BOOST_TEST(res.status == 401);
      BOOST_TEST(json_field(res.body, "status") == "error");
      BOOST_TEST(!json_field(res.body, "errmsg").empty());
      BOOST_TEST(res.body.find("skyhaul_") == std::string::npos);
    }
  }
  // The token as ?key= is not taken: it is a Bearer token only.
  auto res = http("GET", d.url() + "/metrics?key=" + token);
  BOOST_TEST(res.status == 401);
  // An admin's api key is, either way.
  BOOST_TEST(scrape("Bearer " + d.admin().api_key).status == 200);
  BOOST_TEST(http("GET", d.url() + "/metrics?key=" + d.admin().api_key).status
             == 200);
  auto ok = scrape("Bearer " + token);
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(ok.headers["content-type"].find("text/plain; version=0.0.4")
             == 0);
}

BOOST_AUTO_TEST_CASE(counters_follow_the_work_done) {
  auto before = read();
  // The refused scrapes are the metrics face's own 401s.
  scrape("");
  scrape("Bearer nope");
  // A few Task API calls: one refused, one for a task that does not exist.
  BOOST_TEST(d.api("GET", "/task/list", {}, "not-a-key").status == 401);
  BOOST_TEST(d.api("GET", "/task/tid/00000000000000000000/status").status
             == 404);
  const size_t size = 300000;
  auto tid = create(d, R"({"url":")" + org.url("/file/" + std::to_string(size))
                           + R"(","success_callback_url":")"
                           + rcv.url("/hook") + R"("})");
  auto body = d.await_status(tid, ended());
  BOOST_REQUIRE_EQUAL(state_of(body), "finished");
  // The receiver answers 500 once, then 200: one retry, one delivery.
  auto hits = rcv.await([](auto& hs) { return hs.size() >= 2; });
  BOOST_REQUIRE_GE(hits.size(), 2u);
  auto after = read_until([&](const samples& s) {
    return value(s, R"(skyhaul_active_transfers{kind="http"})") == 0
           && value(s, R"(skyhaul_callback_deliveries_total{outcome="delivered"})")
                  >= 1;
  });
  auto delta = [&](const std::string& series) {
    return value(after, series) - value(before, series);
  };
  BOOST_TEST(delta(R"(skyhaul_download_bytes_total{kind="http"})")
             == double(size));
  BOOST_TEST(delta(R"(skyhaul_download_bytes_total{kind="torrent"})") == 0);
  BOOST_TEST(delta(R"(skyhaul_http_requests_total{face="task",code="401"})")
             == 1);
  BOOST_TEST(delta(R"(skyhaul_http_requests_total{face="task",code="404"})")
             == 1);
  BOOST_TEST(delta(R"(skyhaul_http_requests_total{face="metrics",code="401"})")
             == 2);
  // Every read() between the two is one more 200 of the metrics face.
  BOOST_TEST(delta(R"(skyhaul_http_requests_total{face="metrics",code="200"})")
             >= 1);
  BOOST_TEST(value(after, R"(skyhaul_tasks{state="finished"})") == 1);
  BOOST_TEST(value(after, R"(skyhaul_tasks{state="waiting"})") == 0);
  BOOST_TEST(value(after, R"(skyhaul_active_transfers{kind="http"})") == 0);
  BOOST_TEST(delta(R"(skyhaul_callback_deliveries_total{outcome="retry"})")
             == 1);
  BOOST_TEST(delta(R"(skyhaul_callback_deliveries_total{outcome="delivered"})")
             == 1);
  BOOST_TEST(delta(R"(skyhaul_callback_deliveries_total{outcome="failed"})")
             == 0);
  // The task's records, its object and the callback log were committed.
  BOOST_TEST(delta("skyhaul_store_commit_duration_seconds_count") >= 3);
  BOOST_TEST(value(after, "skyhaul_disk_free_bytes") > 0);
  // The histogram's count is the sum over codes for the same face.
  double task_requests = 0;
  for (auto& [series, v] : after)
    if (series.rfind(R"(skyhaul_http_requests_total{face="task",)", 0) == 0)
      task_requests += v;
  BOOST_TEST(value(after,
                   R"(skyhaul_http_request_duration_seconds_count{face="task"})")
             == task_requests);
  BOOST_TEST(
      value(after,
            R"(skyhaul_http_request_duration_seconds_bucket{face="task",le="+Inf"})")
      == task_requests);
}

BOOST_AUTO_TEST_CASE(promtool_accepts_the_exposition) {
  // Some of every family first, so histograms and labels are all there.
  BOOST_TEST(d.api("GET", "/task/list").status == 200);
  BOOST_TEST(http("GET", d.url() + "/no/such/path").status == 404);
  auto res = scrape("Bearer " + token);
  BOOST_REQUIRE_EQUAL(res.status, 200);
  auto [status, out] = promtool(res.body);
  BOOST_TEST(status == 0, "promtool: " << out << "\n" << res.body);
  for (auto family : {"skyhaul_tasks", "skyhaul_active_transfers",
                      "skyhaul_download_bytes_total",
                      "skyhaul_upload_bytes_total",
                      "skyhaul_http_requests_total",
                      "skyhaul_http_request_duration_seconds",
                      "skyhaul_store_commit_duration_seconds",
                      "skyhaul_callback_deliveries_total",
                      "skyhaul_disk_free_bytes"}) {
    BOOST_TEST_CONTEXT(family) {
      BOOST_TEST(res.body.find(std::string{"# HELP "} + family + " ")
                 != std::string::npos);
      BOOST_TEST(res.body.find(std::string{"# TYPE "} + family + " ")
                 != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
