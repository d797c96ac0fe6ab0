#define BOOST_TEST_MODULE metrics_face
#include <boost/test/unit_test.hpp>

// The text exposition format of http/metrics_face.cpp: escaping, the
// cumulative buckets, and one whole rendering.

#include "http/metrics_face.hpp"

#include <sstream>

using namespace skyhaul;
using namespace skyhaul::http;
using namespace std::chrono_literals;
namespace mx = skyhaul::base::metrics;

BOOST_AUTO_TEST_CASE(label_values_escape_backslash_quote_newline) {
  BOOST_TEST(escape_label_value("plain") == "plain");
  BOOST_TEST(escape_label_value("a\\b") == "a\\\\b");
  BOOST_TEST(escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
  BOOST_TEST(escape_label_value("two\nlines") == "two\\nlines");
  BOOST_TEST(escape_help("a \"quote\" stays\\\n") == "a \"quote\" stays\\\\\\n");
}

BOOST_AUTO_TEST_CASE(samples_render_labels_in_order) {
  exposition e;
  e.family("x_total", "Some\nhelp.", "counter");
  e.sample("x_total", {{"face", "t\"x"}, {"code", "200"}}, uint64_t{7});
  e.sample("x_total", {}, int64_t{-2});
  e.sample("y", {}, 0.25);
  BOOST_TEST(e.text()
             == "# HELP x_total Some\\nhelp.\n# TYPE x_total counter\n"
                "x_total{face=\"t\\\"x\",code=\"200\"} 7\n"
                "x_total -2\n"
                "y 0.25\n");
}

BOOST_AUTO_TEST_CASE(histograms_render_cumulative_buckets) {
  mx::histogram h{0.1, 1};
  h.observe(50ms);
  h.observe(500ms);
  h.observe(2s);
  exposition e;
  e.histogram("d_seconds", {{"face", "s3"}}, h);
  BOOST_TEST(e.text()
             == "d_seconds_bucket{face=\"s3\",le=\"0.1\"} 1\n"
                "d_seconds_bucket{face=\"s3\",le=\"1\"} 2\n"
                "d_seconds_bucket{face=\"s3\",le=\"+Inf\"} 3\n"
                "d_seconds_sum{face=\"s3\"} 2.55\n"
                "d_seconds_count{face=\"s3\"} 3\n");
}

BOOST_AUTO_TEST_CASE(whole_rendering_has_every_family_once) {
  mx::registry reg;
  auto slot = reg.face_slot("task");
  reg.http_request(slot, 200, 3ms);
  reg.http_request(slot, 401, 3ms);
  reg.add_download(mx::transfer::http, 1234);
  reg.callback_attempt(mx::delivery::delivered);
  reg.store_commit().observe(2ms);
  scrape_figures extra;
  extra.tasks[static_cast<size_t>(task_state::finished)] = 5;
  extra.disk_free = 4096;
  auto text = render_metrics(reg, extra);
  for (auto name :
       {"skyhaul_tasks", "skyhaul_active_transfers",
        "skyhaul_download_bytes_total", "skyhaul_upload_bytes_total",
        "skyhaul_http_requests_total", "skyhaul_http_request_duration_seconds",
        "skyhaul_store_commit_duration_seconds",
        "skyhaul_callback_deliveries_total", "skyhaul_disk_free_bytes"}) {
    auto type = std::string{"# TYPE "} + name + " ";
    auto at = text.find(type);
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(at != std::string::npos);
      BOOST_TEST(text.find(type, at + 1) == std::string::npos);
    }
  }
  auto has = [&](const std::string& line) {
    std::istringstream in{text};
    std::string l;
    while (std::getline(in, l))
      if (l == line)
        return true;
    return false;
  };
  BOOST_TEST(has("skyhaul_tasks{state=\"finished\"} 5"));
  BOOST_TEST(has("skyhaul_tasks{state=\"waiting\"} 0"));
  BOOST_TEST(has("skyhaul_download_bytes_total{kind=\"http\"} 1234"));
  BOOST_TEST(has("skyhaul_http_requests_total{face=\"task\",code=\"200\"} 1"));
  BOOST_TEST(has("skyhaul_http_requests_total{face=\"task\",code=\"401\"} 1"));
  BOOST_TEST(has("skyhaul_http_request_duration_seconds_count{face=\"task\"} 2"));
  BOOST_TEST(has("skyhaul_store_commit_duration_seconds_count 1"));
  BOOST_TEST(has("skyhaul_callback_deliveries_total{outcome=\"delivered\"} 1"));
  BOOST_TEST(has("skyhaul_disk_free_bytes 4096"));
  BOOST_TEST(text.back() == '\n');
}

BOOST_AUTO_TEST_CASE(counted_responder_records_status_and_passes_reply_on) {
  auto& g = mx::global();
  auto slot = g.face_slot("unit-face");
  auto before = g.face(slot).by_code[418 - mx::first_code].load();
  unsigned seen = 0;
  auto r = counted("unit-face", [&](reply rep) { seen = rep.status; });
  reply rep;
  rep.status = 418;
  r(std::move(rep));
  BOOST_TEST(seen == 418u);
  BOOST_TEST(g.face(slot).by_code[418 - mx::first_code].load() == before + 1);
}
