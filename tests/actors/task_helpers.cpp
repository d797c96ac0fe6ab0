#define BOOST_TEST_MODULE task_helpers
#include <boost/test/unit_test.hpp>

// The helpers HTTP and torrent tasks share: backoff, the disk pool, and
// the requests they build.

#include "actors/backoff.hpp"
#include "actors/disk_pool.hpp"
#include "actors/task_helpers.hpp"
#include "protocol/settings.hpp"

#include <atomic>
#include <chrono>
#include <set>

using namespace skyhaul;
using namespace std::chrono;

namespace {

int64_t ms(caf::timespan d) {
  return duration_cast<milliseconds>(d).count();
}

} // namespace

BOOST_AUTO_TEST_CASE(backoff_doubles_up_to_its_cap_with_bounded_jitter) {
  for (int round = 0; round < 200; ++round) {
    for (uint32_t tries = 0; tries < 40; ++tries) {
      auto base = std::min<int64_t>(int64_t{100} << std::min(
                                        tries > 0 ? tries - 1 : 0u, 30u),
                                    5000);
      auto d = ms(backoff_delay(100, 5000, tries));
      BOOST_REQUIRE_GE(d, base);
      BOOST_REQUIRE_LE(d, base + base / 4);
    }
  }
  // A base of 0 or a cap of 0 means no delay at all.
  BOOST_CHECK_EQUAL(ms(backoff_delay(0, 5000, 3)), 0);
  BOOST_CHECK_EQUAL(ms(backoff_delay(100, 0, 3)), 0);
}

BOOST_AUTO_TEST_CASE(backoff_jitter_comes_from_one_seeded_generator) {
  auto draw = [] {
    std::vector<int64_t> out;
    for (int i = 0; i < 20; ++i)
      out.push_back(ms(backoff_delay(1000, 60000, 4)));
    return out;
  };
  seed_backoff(42);
  auto a = draw();
  seed_backoff(42);
  auto b = draw();
  BOOST_CHECK(a == b);
  // And it does spread: twenty draws are not all the same.
  BOOST_CHECK_GT(std::set<int64_t>(a.begin(), a.end()).size(), 1u);
  settings cfg;
  cfg.retry_base_ms = 1000;
  cfg.retry_max_ms = 60000;
  seed_backoff(7);
  auto via_task = ms(retry_delay(cfg, 4));
  seed_backoff(7);
  BOOST_CHECK_EQUAL(via_task, ms(backoff_delay(1000, 60000, 4)));
}

BOOST_AUTO_TEST_CASE(the_disk_pool_runs_every_job_on_its_fixed_threads) {
  std::atomic<int> done{0};
  std::mutex mtx;
  std::set<std::thread::id> seen;
  {
    disk_pool pool{3};
    BOOST_CHECK_EQUAL(pool.threads(), 3u);
    for (int i = 0; i < 1000; ++i)
      pool.submit([&] {
        {
          std::lock_guard<std::mutex> guard{mtx};
          seen.insert(std::this_thread::get_id());
        }
        ++done;
      });
    // A job that throws takes neither its worker nor the pool down.
    pool.submit([] { throw std::runtime_error("boom"); });
    pool.submit([&] { ++done; });
  } // The destructor runs what is still queued, then joins.
  BOOST_CHECK_EQUAL(done.load(), 1001);
  BOOST_CHECK_LE(seen.size(), 3u);
  BOOST_CHECK(seen.count(std::this_thread::get_id()) == 0);
}

BOOST_AUTO_TEST_CASE(fetch_requests_carry_the_service_limits) {
  settings cfg;
  cfg.max_download_size = 1234;
  cfg.task_rate_limit = 99;
  cfg.allow_private_networks = true;
  cfg.connect_timeout_s = 3;
  cfg.low_speed_limit = 4;
  cfg.low_speed_time_s = 5;
  cfg.max_redirects = 6;
  auto req = make_fetch_request(cfg, 17, "http://x/y", "/tmp/p");
  BOOST_CHECK_EQUAL(req.seq, 17u);
  BOOST_CHECK_EQUAL(req.url, "http://x/y");
  BOOST_CHECK_EQUAL(req.path, "/tmp/p");
  BOOST_CHECK_EQUAL(req.max_size, 1234);
  BOOST_CHECK_EQUAL(req.rate_limit, 99u);
  BOOST_CHECK(req.allow_private);
  BOOST_CHECK_EQUAL(req.connect_timeout_s, 3u);
  BOOST_CHECK_EQUAL(req.low_speed_limit, 4u);
  BOOST_CHECK_EQUAL(req.low_speed_time_s, 5u);
  BOOST_CHECK_EQUAL(req.max_redirects, 6u);
  BOOST_CHECK_EQUAL(req.offset, 0u);
}

BOOST_AUTO_TEST_CASE(object_commits_follow_the_task_spec) {
  task_record rec;
  rec.owner = 5;
  rec.spec.bucket = "b";
  rec.spec.rule = on_key_exist::ignore_same_md5;
  file_record f;
  f.key = "k";
  auto c = make_object_commit(rec, f, "/tmp/src", true);
  BOOST_CHECK_EQUAL(c.owner, 5u);
  BOOST_CHECK_EQUAL(c.bucket, "b");
  BOOST_CHECK_EQUAL(c.file.key, "k");
  BOOST_CHECK(c.rule == on_key_exist::ignore_same_md5);
  BOOST_CHECK_EQUAL(c.source_path, "/tmp/src");
  BOOST_CHECK(c.link_source);
  // Nothing to link without a source: the blob is stored already.
  BOOST_CHECK(!make_object_commit(rec, f, "", true).link_source);
}
