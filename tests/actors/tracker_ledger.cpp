#define BOOST_TEST_MODULE tracker_accounting
#include <boost/test/unit_test.hpp>

// The tracker's accounting: deltas of what clients announce, with no byte
// counted twice.

#include "actors/tracker_ledger.hpp"

#include <map>

using namespace skyhaul;

namespace {

const std::string ih(20, 'h');

/// Sums a batch per user, the way the store's rule applies it.
struct totals {
  std::map<user_id, std::pair<uint64_t, uint64_t>> by_user;
  void add(const transfer_batch& b) {
    for (auto& d : b.deltas) {
      by_user[d.uid].first += d.uploaded;
      by_user[d.uid].second += d.downloaded;
    }
  }
};

tracker_ledger fresh() {
  return tracker_ledger{
      [](user_id, const std::string&, const std::string&) {
        return std::optional<peer_session>{};
      }};
}

} // namespace

BOOST_AUTO_TEST_CASE(deltas_of_growing_counters) {
  auto l = fresh();
  totals t;
  l.record(1, ih, "peer-a", 0, 0, false, 1);
  l.record(1, ih, "peer-a", 100, 10, false, 2);
  l.record(1, ih, "peer-a", 250, 30, false, 3);
  BOOST_CHECK(l.dirty());
  t.add(l.take());
  BOOST_CHECK(!l.dirty());
  BOOST_CHECK_EQUAL(t.by_user[1].first, 250u);
  BOOST_CHECK_EQUAL(t.by_user[1].second, 30u);
  // The next batch counts from where the last one ended.
  l.record(1, ih, "peer-a", 300, 30, false, 4);
  t.add(l.take());
  BOOST_CHECK_EQUAL(t.by_user[1].first, 300u);
}

BOOST_AUTO_TEST_CASE(stopped_then_started_counts_from_zero) {
  auto l = fresh();
  totals t;
  l.record(1, ih, "peer-a", 500, 0, false, 1);
  l.record(1, ih, "peer-a", 700, 0, true, 2);
  // The client starts over at 0 and reports 50.
  l.record(1, ih, "peer-a", 50, 0, false, 3);
  auto b = l.take();
  t.add(b);
  BOOST_CHECK_EQUAL(t.by_user[1].first, 750u);
  BOOST_REQUIRE_EQUAL(b.deltas.size(), 1u);
  // Started again: the session is live, not ended.
  BOOST_CHECK(b.deltas[0].ended.empty());
  BOOST_REQUIRE_EQUAL(b.deltas[0].sessions.size(), 1u);
  BOOST_CHECK_EQUAL(b.deltas[0].sessions[0].uploaded, 50u);
}

BOOST_AUTO_TEST_CASE(a_counter_that_went_back_is_a_new_session) {
  auto l = fresh();
  totals t;
  l.record(1, ih, "peer-a", 1000, 0, false, 1);
  // The client crashed and restarted without `stopped`.
  l.record(1, ih, "peer-a", 40, 0, false, 2);
  t.add(l.take());
  BOOST_CHECK_EQUAL(t.by_user[1].first, 1040u);
}

BOOST_AUTO_TEST_CASE(a_stored_baseline_is_not_counted_again) {
  // After a restart of skyhauld, the client goes on reporting its session
  // totals: only what is past the last stored batch counts.
  tracker_ledger l{[](user_id uid, const std::string&, const std::string& p) {
    if (uid != 1 || p != "peer-a")
      return std::optional<peer_session>{};
    peer_session s;
    s.peer_id = p;
    s.uploaded = 800;
    s.downloaded = 200;
    return std::optional<peer_session>{s};
  }};
  totals t;
  l.record(1, ih, "peer-a", 900, 200, false, 1);
  t.add(l.take());
  BOOST_CHECK_EQUAL(t.by_user[1].first, 100u);
  BOOST_CHECK_EQUAL(t.by_user[1].second, 0u);
}

BOOST_AUTO_TEST_CASE(users_and_clients_are_kept_apart) {
  auto l = fresh();
  totals t;
  l.record(1, ih, "peer-a", 10, 0, false, 1);
  l.record(1, ih, "peer-b", 20, 0, false, 1);
  l.record(2, ih, "peer-c", 0, 30, false, 1);
  t.add(l.take());
  BOOST_CHECK_EQUAL(t.by_user[1].first, 30u);
  BOOST_CHECK_EQUAL(t.by_user[2].second, 30u);
}

BOOST_AUTO_TEST_CASE(a_batch_that_failed_is_restored) {
  auto l = fresh();
  totals t;
  l.record(1, ih, "peer-a", 100, 0, false, 1);
  auto failed = l.take();
  l.record(1, ih, "peer-a", 150, 0, false, 2);
  l.restore(std::move(failed));
  auto b = l.take();
  t.add(b);
  BOOST_CHECK_EQUAL(t.by_user[1].first, 150u);
  // The later state of the session wins.
  BOOST_REQUIRE_EQUAL(b.deltas[0].sessions.size(), 1u);
  BOOST_CHECK_EQUAL(b.deltas[0].sessions[0].uploaded, 150u);
}

BOOST_AUTO_TEST_CASE(expiry_keeps_sessions_with_pending_figures) {
  auto l = fresh();
  l.record(1, ih, "peer-a", 100, 0, false, 1);
  l.expire(10);
  BOOST_CHECK_EQUAL(l.sessions(), 1u);
  l.take();
  l.expire(10);
  BOOST_CHECK_EQUAL(l.sessions(), 0u);
}
