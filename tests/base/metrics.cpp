#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

// The registry of base/metrics.hpp: fixed slots, relaxed atomics, and
// histograms whose buckets the rendering makes cumulative.

#include "base/metrics.hpp"

#include <thread>
#include <vector>

using namespace skyhaul::base::metrics;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(histogram_puts_each_observation_in_one_bucket) {
  histogram h{0.001, 0.01, 0.1};
  h.observe(500us);  // <= 0.001
  h.observe(1ms);    // on the bound: le is inclusive
  h.observe(20ms);   // <= 0.1
  h.observe(3s);     // above every bound
  BOOST_TEST(h.num_bounds() == 3u);
  BOOST_TEST(h.bucket(0) == 2u);
  BOOST_TEST(h.bucket(1) == 0u);
  BOOST_TEST(h.bucket(2) == 1u);
  BOOST_TEST(h.bucket(3) == 1u);
  BOOST_TEST(h.sum_seconds() == 3.0215, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(histogram_refuses_unsorted_bounds) {
  BOOST_CHECK_THROW((histogram{0.1, 0.01}), std::logic_error);
}

BOOST_AUTO_TEST_CASE(face_slots_are_stable_and_bounded) {
  registry r;
  auto a = r.face_slot("task");
  auto b = r.face_slot("s3");
  BOOST_TEST(a != b);
  BOOST_TEST(r.face_slot("task") == a);
  BOOST_TEST(r.face_name(b) == "s3");
  // More names than slots: the rest share "other", and nothing overflows.
  std::vector<size_t> slots;
  for (int i = 0; i < 100; ++i)
    slots.push_back(r.face_slot("face" + std::to_string(i)));
  BOOST_TEST(r.num_faces() == max_faces);
  auto other = r.face_slot("no-room-left");
  BOOST_TEST(r.face_name(other) == "other");
  BOOST_TEST(slots.back() == other);
  // A name too long for a slot is "other" too.
  BOOST_TEST(r.face_slot(std::string(100, 'x')) == other);
}

BOOST_AUTO_TEST_CASE(requests_count_by_code_and_odd_codes_as_500) {
  registry r;
  auto s = r.face_slot("task");
  r.http_request(s, 200, 1ms);
  r.http_request(s, 200, 1ms);
  r.http_request(s, 404, 1ms);
  r.http_request(s, 999, 1ms);
  auto& f = r.face(s);
  BOOST_TEST(f.by_code[200 - first_code].load() == 2u);
  BOOST_TEST(f.by_code[404 - first_code].load() == 1u);
  BOOST_TEST(f.by_code[500 - first_code].load() == 1u);
  uint64_t total = 0;
  for (size_t i = 0; i <= f.duration.num_bounds(); ++i)
    total += f.duration.bucket(i);
  BOOST_TEST(total == 4u);
  // A slot out of range is ignored, not a crash.
  r.http_request(max_faces + 3, 200, 1ms);
}

BOOST_AUTO_TEST_CASE(counters_add_from_many_threads) {
  registry r;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        r.add_download(transfer::http, 3);
        r.callback_attempt(delivery::retry);
      }
    });
  for (auto& t : ts)
    t.join();
  BOOST_TEST(r.downloaded(transfer::http) == 120000u);
  BOOST_TEST(r.deliveries(delivery::retry) == 40000u);
  BOOST_TEST(r.downloaded(transfer::torrent) == 0u);
}

BOOST_AUTO_TEST_CASE(raise_never_lowers_a_counter) {
  registry r;
  r.raise_download(transfer::torrent, 100);
  r.raise_download(transfer::torrent, 40);
  BOOST_TEST(r.downloaded(transfer::torrent) == 100u);
  r.raise_upload(transfer::torrent, 7);
  BOOST_TEST(r.uploaded(transfer::torrent) == 7u);
}

BOOST_AUTO_TEST_CASE(active_transfer_counts_while_it_lives) {
  auto& g = global();
  auto before = g.active(transfer::push);
  {
    active_transfer a{transfer::push};
    BOOST_TEST(g.active(transfer::push) == before + 1);
    active_transfer moved{std::move(a)};
    BOOST_TEST(g.active(transfer::push) == before + 1);
    active_transfer assigned;
    assigned = std::move(moved);
    BOOST_TEST(g.active(transfer::push) == before + 1);
    assigned = active_transfer{transfer::push};
    BOOST_TEST(g.active(transfer::push) == before + 1);
  }
  BOOST_TEST(g.active(transfer::push) == before);
}

BOOST_AUTO_TEST_CASE(timed_observes_once) {
  histogram h{1.0};
  int runs = 0;
  timed(h, [&] { ++runs; });
  BOOST_TEST(runs == 1);
  BOOST_TEST(h.bucket(0) + h.bucket(1) == 1u);
}
