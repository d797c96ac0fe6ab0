#include <boost/test/unit_test.hpp>

// The peers of one torrent: counts, a reply's peers, expiry.

#include "actors/tracker_swarm.hpp"

#include <set>

using namespace skyhaul;

namespace {

swarm_peer peer(int i) {
  swarm_peer p;
  p.ip = std::string("\x7f\x00\x00\x01", 4);
  p.port = static_cast<uint16_t>(7000 + i);
  p.peer_id = "peer-" + std::to_string(i);
  return p;
}

} // namespace

BOOST_AUTO_TEST_CASE(seeders_and_leechers_are_counted) {
  tracker_swarm s;
  s.upsert(peer(1), true, 1);
  s.upsert(peer(2), false, 1);
  s.upsert(peer(3), false, 1);
  BOOST_CHECK_EQUAL(s.seeders(), 1u);
  BOOST_CHECK_EQUAL(s.leechers(), 2u);
  // A leecher that completed.
  s.upsert(peer(2), true, 2);
  BOOST_CHECK_EQUAL(s.seeders(), 2u);
  BOOST_CHECK_EQUAL(s.leechers(), 1u);
  s.remove(peer(1).peer_id);
  s.remove("nobody");
  BOOST_CHECK_EQUAL(s.seeders(), 1u);
  BOOST_CHECK_EQUAL(s.leechers(), 1u);
}

BOOST_AUTO_TEST_CASE(a_reply_names_others_never_twice) {
  tracker_swarm s;
  for (int i = 0; i < 10; ++i)
    s.upsert(peer(i), i % 2 == 0, 1);
  std::mt19937_64 rng{42};
  for (int round = 0; round < 20; ++round) {
    auto got = s.pick(peer(3).peer_id, 50, rng);
    BOOST_CHECK_EQUAL(got.size(), 9u);
    std::set<std::string> ids;
    for (auto& p : got)
      ids.insert(p.peer_id);
    BOOST_CHECK_EQUAL(ids.size(), 9u);
    BOOST_CHECK_EQUAL(ids.count(peer(3).peer_id), 0u);
  }
  BOOST_CHECK_EQUAL(s.pick("x", 4, rng).size(), 4u);
}

BOOST_AUTO_TEST_CASE(silent_peers_expire) {
  tracker_swarm s;
  s.upsert(peer(1), true, 10);
  s.upsert(peer(2), false, 20);
  s.upsert(peer(3), false, 30);
  s.expire(25);
  BOOST_CHECK_EQUAL(s.seeders(), 0u);
  BOOST_CHECK_EQUAL(s.leechers(), 1u);
  std::mt19937_64 rng{1};
  auto left = s.pick("x", 10, rng);
  BOOST_REQUIRE_EQUAL(left.size(), 1u);
  BOOST_CHECK_EQUAL(left[0].peer_id, peer(3).peer_id);
  // The moved peer is still found by its id.
  s.remove(peer(3).peer_id);
  BOOST_CHECK(s.empty());
}
