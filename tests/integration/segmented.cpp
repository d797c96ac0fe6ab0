#define BOOST_TEST_MODULE segmented_integration
#include <boost/test/unit_test.hpp>

// Segmented HTTP downloads through the real skyhauld against the local
// origin (tests/support/origin.py): parts over connections the origin
// throttles one by one, origins without ranges or whose file changes, a
// connection cut in a part, and kill -9 in the middle.

#include <filesystem>
#include <fstream>
#include <thread>
#include <rapidjson/document.h>

#include "storage/digest.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/task_calls.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t mib = 1 << 20;

struct fixture {
  origin org;
  server_process d{{"--min-split-size=1048576"}};
  fixture() {
    d.start();
  }
};

/// A member of the status's task object, in either reply shape.
std::string field(const std::string& body, const std::string& name) {
  auto v = json_field(body, "detail." + name);
  return v.empty() ? json_field(body, "task." + name) : v;
}

std::string state(const std::string& body) {
  return field(body, "state");
}

auto ended_now() {
  return [](const std::string& b) {
    auto s = state(b);
    return s == "finished" || s == "failed" || s == "cancelled";
  };
}

/// One request the origin logged.
struct logged {
  std::string path;
  std::string range; // "" without a Range header
  std::string if_range;
};

std::vector<logged> requests(const origin& org) {
  rapidjson::Document doc;
  doc.Parse(org.log().c_str());
  std::vector<logged> out;
  if (!doc.IsArray())
    return out;
  for (auto& r : doc.GetArray()) {
    logged l;
    l.path = r["path"].GetString();
    if (r["range"].IsString())
      l.range = r["range"].GetString();
    if (r["if_range"].IsString())
      l.if_range = r["if_range"].GetString();
    out.push_back(l);
  }
  return out;
}

/// `bytes=a-b` as [a, b]; b is UINT64_MAX for `bytes=a-`.
std::pair<uint64_t, uint64_t> range_of(const std::string& r) {
  unsigned long long a = 0, b = 0;
  auto n = std::sscanf(r.c_str(), "bytes=%llu-%llu", &a, &b);
  return {a, n == 2 ? b : UINT64_MAX};
}

std::string sha1_of(const std::string& data) {
  skyhaul::storage::digest_set ds;
  ds.update(data.data(), data.size());
  return ds.finish().sha1;
}

std::string info_of(const server_process& d, const std::string& tid) {
  return d.api("GET", "/task/tid/" + tid + "/info").body;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(segmented, fixture)

BOOST_AUTO_TEST_CASE(parts_go_over_throttled_connections_and_show_in_status) {
  const uint64_t size = 24 * mib;
  auto path = "/slow/" + std::to_string(size) + "?bps=3000000";
  auto tid = create(d, R"({"url":")" + org.url(path)
                         + R"(","key":"seg.bin","connections":6})");
  // The full status shows each part: its range, bytes done and speed.
  auto mid = d.await_status(tid, [](const std::string& b) {
    return b.find("\"parts\":[{") != std::string::npos
           || ended_now()(b);
  });
  BOOST_CHECK_MESSAGE(mid.find("\"parts\":[{\"start\":0,") != std::string::npos,
                      mid);
  BOOST_CHECK(mid.find("\"speed\":") != std::string::npos);
  auto body = d.await_status(tid, ended_now(), 40s);
  BOOST_REQUIRE_MESSAGE(state(body) == "finished", body);
  BOOST_CHECK(info_of(d, tid).find(expected_digests(size).sha1)
              != std::string::npos);
  // One probe for the whole file, then a bounded range per part.
  size_t bounded = 0;
  for (auto& r : requests(org)) {
    BOOST_CHECK_MESSAGE(!r.range.empty(), "a request without Range");
    if (range_of(r.range).second != UINT64_MAX) {
      ++bounded;
      BOOST_CHECK_EQUAL(r.if_range, "\"skyhaul-origin-v1\"");
    }
  }
  BOOST_CHECK_GE(bounded, 6u);
}

BOOST_AUTO_TEST_CASE(an_origin_without_ranges_gets_one_connection) {
  const uint64_t size = 12 * mib;
  auto tid = create(d, R"({"url":")" + org.url("/norange/" + std::to_string(size))
                         + R"(","key":"one.bin"})");
  auto body = d.await_status(tid, ended_now(), 40s);
  BOOST_REQUIRE_MESSAGE(state(body) == "finished", body);
  BOOST_CHECK(info_of(d, tid).find(expected_digests(size).sha1)
              != std::string::npos);
  BOOST_CHECK_EQUAL(requests(org).size(), 1u);
}

BOOST_AUTO_TEST_CASE(a_file_that_changes_midway_starts_over_from_zero) {
  const uint64_t size = 12 * mib;
  // The probe and two parts see version 1, every later request version 2.
  auto path = "/changing/" + std::to_string(size) + "?after=3";
  auto tid = create(d, R"({"url":")" + org.url(path) + R"(","key":"chg.bin"})");
  auto body = d.await_status(tid, ended_now(), 40s);
  BOOST_REQUIRE_MESSAGE(state(body) == "finished", body);
  auto v2 = origin_content(size + 13).substr(13);
  BOOST_CHECK_MESSAGE(info_of(d, tid).find(sha1_of(v2)) != std::string::npos,
                      info_of(d, tid));
  size_t probes = 0;
  for (auto& r : requests(org))
    probes += r.range == "bytes=0-";
  BOOST_CHECK_EQUAL(probes, 2u);
}

BOOST_AUTO_TEST_CASE(a_connection_cut_in_a_part_is_retried_from_its_bytes) {
  const uint64_t size = 16 * mib;
  auto path = "/droppart/" + std::to_string(size) + "?at=300000";
  auto tid = create(d, R"({"url":")" + org.url(path) + R"(","key":"cut.bin"})");
  auto body = d.await_status(tid, ended_now(), 40s);
  BOOST_REQUIRE_MESSAGE(state(body) == "finished", body);
  BOOST_CHECK(info_of(d, tid).find(expected_digests(size).sha1)
              != std::string::npos);
  // The cut part went on from where its bytes ended, not from its start.
  auto log = requests(org);
  std::vector<uint64_t> starts;
  for (auto& r : log)
    starts.push_back(range_of(r.range).first);
  bool resumed = false;
  for (size_t i = 0; i < starts.size(); ++i)
    for (size_t j = 0; j < starts.size(); ++j)
      resumed = resumed
                || (starts[j] > starts[i] && starts[j] - starts[i] <= 300000
                    && starts[i] > 0);
  BOOST_CHECK_MESSAGE(resumed, org.log());
}

BOOST_AUTO_TEST_CASE(kill_9_resumes_every_part_from_its_bytes_on_disk) {
  const uint64_t size = 32 * mib;
  auto path = "/slow/" + std::to_string(size) + "?bps=1500000";
  auto tid = create(d, R"({"url":")" + org.url(path) + R"(","key":"k9.bin"})");
  auto control = d.data_dir() + "/partial/" + tid + "/data.parts";
  // What the control file claims is on disk, and the missing bytes.
  std::vector<std::pair<uint64_t, uint64_t>> missing;
  auto claimed = [&] {
    missing.clear();
    std::ifstream in(control);
    uint64_t n = 0;
    std::string word;
    while (in >> word)
      if (word == "part") {
        uint64_t a = 0, b = 0, done = 0;
        in >> a >> b >> done;
        n += done;
        if (a + done < b)
          missing.emplace_back(a + done, b - 1);
      }
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (claimed() < 6 * mib && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  d.crash();
  auto before = requests(org).size();
  BOOST_REQUIRE_GE(claimed(), 6 * mib);
  BOOST_REQUIRE(!missing.empty());
  d.start();
  auto body = d.await_status(tid, ended_now(), 50s);
  BOOST_REQUIRE_MESSAGE(state(body) == "finished", body);
  BOOST_CHECK(info_of(d, tid).find(expected_digests(size).sha1)
              != std::string::npos);
  // After the restart the origin saw ranged requests only, each inside a
  // part's missing bytes.
  auto log = requests(org);
  BOOST_REQUIRE_GT(log.size(), before);
  for (size_t i = before; i < log.size(); ++i) {
    BOOST_REQUIRE_MESSAGE(!log[i].range.empty(), "a request without Range");
    auto r = range_of(log[i].range);
    bool inside = false;
    for (auto& m : missing)
      inside = inside || (r.first >= m.first && r.second <= m.second);
    BOOST_CHECK_MESSAGE(inside, "range " << log[i].range
                                         << " asks for bytes on disk");
  }
}

BOOST_AUTO_TEST_CASE(a_mirror_with_other_bytes_is_dropped_with_a_note) {
  const uint64_t size = 16 * mib;
  auto good = org.url("/slow/" + std::to_string(size) + "?bps=2000000");
  auto also = org.url("/slow/" + std::to_string(size) + "?bps=2000001");
  auto bad = org.url("/other/" + std::to_string(size));
  auto tid = create(d, R"({"urls":[")" + good + R"(",")" + bad + R"(",")"
                         + also + R"("],"key":"mirrors.bin"})");
  auto noted = d.await_status(tid, [](const std::string& b) {
    return b.find("dropped") != std::string::npos || ended_now()(b);
  });
  BOOST_CHECK_MESSAGE(noted.find("\"notes\":[\"mirror http://127.0.0.1:"
                                 + std::to_string(org.port()) + "/other/")
                          != std::string::npos,
                      noted);
  auto body = d.await_status(tid, ended_now(), 40s);
  BOOST_REQUIRE_MESSAGE(state(body) == "finished", body);
  BOOST_CHECK(info_of(d, tid).find(expected_digests(size).sha1)
              != std::string::npos);
  // The note is the task's log: stored, so it outlives the transfer and a
  // restart.
  auto dropped = "\"notes\":[\"mirror http://127.0.0.1:"
                 + std::to_string(org.port()) + "/other/";
  BOOST_CHECK_MESSAGE(body.find(dropped) != std::string::npos, body);
  d.crash();
  d.start();
  auto after = d.await_status(tid, ended_now(), 20s);
  BOOST_CHECK_MESSAGE(after.find(dropped) != std::string::npos, after);
  // Parts came from both good sources.
  size_t from_also = 0, from_bad = 0;
  for (auto& r : requests(org)) {
    from_also += r.path.find("bps=2000001") != std::string::npos;
    from_bad += r.path.rfind("/other/", 0) == 0;
  }
  BOOST_CHECK_GE(from_also, 1u);
  // Asked only by the connections started before its first answer.
  BOOST_CHECK_GE(from_bad, 1u);
  BOOST_CHECK_LE(from_bad, 3u);
}

BOOST_AUTO_TEST_CASE(bad_urls_and_connections_are_refused) {
  for (auto body : {R"({"urls":["http://a/1","gopher://b/2"]})",
                    R"({"urls":[]})", R"({"url":"http://a/1","connections":0})",
                    R"({"url":"http://a/1","connections":"8"})",
                    R"({"url":"http://a/1","connections":33})"}) {
    auto res = d.api("POST", "/task", body);
    BOOST_CHECK_MESSAGE(res.status >= 400 && res.status < 500,
                        body << " -> " << res.status << " " << res.body);
  }
}

BOOST_AUTO_TEST_SUITE_END()
