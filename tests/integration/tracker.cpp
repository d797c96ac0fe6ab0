#define BOOST_TEST_MODULE integration_tracker
// The private tracker through the real skyhauld: aria2c seeds a post's
// torrent with the .torrent Skyhaul serves its author, another aria2c and
// a transmission-cli download it with the ones Skyhaul serves two more
// users; every user's figures move by the torrent's size. Peer addresses
// the network policy refuses are never handed out. Passkeys, the level gate, scrape,
// and accounting that survives `kill -9` without counting twice.

#include <boost/test/unit_test.hpp>

#include "tests/support/community_client.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/swarm.hpp"
#include "tests/support/task_calls.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace skyhaul::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> tracker_flags = {
    "--tracker-interval=2", "--tracker-min-interval=1",
    "--tracker-flush-ms=200"};

std::string bstr(const std::string& s) {
  return std::to_string(s.size()) + ":" + s;
}

std::string raw_hash(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

/// A direct announce, as a client would send it.
response announce(const server_process& d, const std::string& passkey,
                  const std::string& info_hash_raw, const std::string& peer,
                  uint64_t up, uint64_t down, uint64_t left,
                  const std::string& event = {}, uint16_t port = 6881) {
  auto url = d.url("api") + "/announce/" + passkey
             + "?info_hash=" + url_escape(info_hash_raw)
             + "&peer_id=" + url_escape(peer) + "&port=" + std::to_string(port)
             + "&uploaded=" + std::to_string(up) + "&downloaded="
             + std::to_string(down) + "&left=" + std::to_string(left)
             + "&compact=1" + (event.empty() ? "" : "&event=" + event);
  return http("GET", url);
}

/// Polls `/user/me` until `field` reaches `want`; the last value.
uint64_t await_figure(const community_client& c, const std::string& field,
                      uint64_t want, std::chrono::seconds limit = 30s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  uint64_t got = 0;
  for (;;) {
    auto v = json_field(c.call("GET", "/user/me").body, "data." + field);
    got = v.empty() ? 0 : std::stoull(v);
    if (got >= want || std::chrono::steady_clock::now() > deadline)
      return got;
    std::this_thread::sleep_for(50ms);
  }
}

std::string file_bytes(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out{path, std::ios::binary};
  out << bytes;
}

void check_fail_status(const response& r, long status) {
  BOOST_CHECK_EQUAL(r.status, status);
  BOOST_CHECK_EQUAL(envelope(r), "FAIL");
}

/// Downloads `torrent` with transmission-cli into `dir` (no DHT, LPD, PEX
/// or port mapping, bound to 127.0.0.1); true once `file` there equals
/// `want` (bounded). `client` runs on, announcing its figures, until it is
/// stopped.
bool transmission_download(const std::string& torrent, const std::string& dir,
                           const std::string& file, const std::string& want,
                           child& client) {
  auto config = dir + ".config";
  fs::create_directories(config);
  fs::create_directories(dir);
  write_file(config + "/settings.json",
             R"({"dht-enabled":false,"lpd-enabled":false,"pex-enabled":false,)"
             R"("utp-enabled":false,"port-forwarding-enabled":false,)"
             R"("bind-address-ipv4":"127.0.0.1","rename-partial-files":true,)"
             R"("incomplete-dir-enabled":false,"ratio-limit-enabled":false,)"
             R"("blocklist-enabled":false})");
  client.start({"transmission-cli", "-g", config, "-w", dir, "-M", "-B", "-D",
                "-U", "-p", std::to_string(free_port()), torrent},
               false);
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (file_bytes(dir + "/" + file) == want)
      return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

const std::string peer_a = "-SK0001-aaaaaaaaaaaa";
const std::string peer_b = "-SK0001-bbbbbbbbbbbb";

} // namespace

BOOST_AUTO_TEST_CASE(aria2c_seeds_and_downloads_through_the_tracker) {
  scratch s{"skyhaul-tracker"};
  server_process d{tracker_flags};
  d.start();
  community_client alice{&d, d.add_user("alice", "--level 3")};
  community_client bob{&d, d.add_user("bob", "--level 2")};
  community_client carol{&d, d.add_user("carol", "--level 1")};
  community_client dave{&d, d.add_user("dave", "--level 2")};
  const uint64_t size = 600000;
  auto t = make_torrent(s.dir + "/seed", "movie.bin", {{"movie.bin", size}});
  auto pid = alice.post("Movie", 2);
  BOOST_REQUIRE(!pid.empty());
  BOOST_REQUIRE_EQUAL(alice.upload(pid, t.bytes()).status, 201);

  // The author seeds with the .torrent Skyhaul serves them.
  auto served = alice.call("GET", "/user/post/" + pid + "/metainfo");
  BOOST_REQUIRE_EQUAL(served.status, 200);
  made_torrent mine = t;
  mine.torrent_path = s.dir + "/alice.torrent";
  write_file(mine.torrent_path, served.body);
  aria2_seeder seeder{mine, s.dir + "/seed"};

  // A user below minLevel gets neither the file nor the swarm; a wrong
  // passkey is refused too.
  BOOST_CHECK_EQUAL(carol.call("GET", "/user/post/" + pid + "/metainfo").status,
                    403);
  auto ih = raw_hash(t.info_hash);
  auto low = announce(d, carol.u.passkey, ih, peer_a, 0, 0, size, "started");
  BOOST_CHECK_EQUAL(low.status, 200);
  BOOST_CHECK_NE(low.body.find("failure reason"), std::string::npos);
  BOOST_CHECK_NE(low.body.find("Insufficient level"), std::string::npos);
  auto wrong = announce(d, std::string(32, '0'), ih, peer_a, 0, 0, size);
  BOOST_CHECK_NE(wrong.body.find("failure reason"), std::string::npos);

  // The second user downloads with their own .torrent.
  auto theirs = bob.call("GET", "/user/post/" + pid + "/metainfo");
  BOOST_REQUIRE_EQUAL(theirs.status, 200);
  BOOST_CHECK_NE(theirs.body.find("/announce/" + bob.u.passkey),
                 std::string::npos);
  write_file(s.dir + "/bob.torrent", theirs.body);
  fs::create_directories(s.dir + "/bob");
  child leecher;
  leecher.start({"aria2c", "--quiet=true", "--no-conf",
                 "--interface=127.0.0.1", "--seed-time=0",
                 "--enable-dht=false", "--enable-dht6=false",
                 "--bt-enable-lpd=false", "--enable-peer-exchange=false",
                 "--listen-port=" + std::to_string(free_port()),
                 "--dir=" + s.dir + "/bob", "--file-allocation=none",
                 "--bt-save-metadata=false", s.dir + "/bob.torrent"},
                false);
  auto want = file_bytes(s.dir + "/seed/movie.bin");
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (file_bytes(s.dir + "/bob/movie.bin") != want
         || fs::exists(s.dir + "/bob/movie.bin.aria2")) {
    BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                          "the download did not complete");
    std::this_thread::sleep_for(100ms);
  }
  BOOST_CHECK_GE(await_figure(bob, "downloaded", size), size);
  BOOST_CHECK_GE(await_figure(alice, "uploaded", size), size);
  BOOST_CHECK_LE(await_figure(bob, "downloaded", size), size + size / 10);
  leecher.stop();

  // A client of another make, transmission-cli, through the same tracker.
  auto his = dave.call("GET", "/user/post/" + pid + "/metainfo");
  BOOST_REQUIRE_EQUAL(his.status, 200);
  write_file(s.dir + "/dave.torrent", his.body);
  child transmission;
  BOOST_REQUIRE_MESSAGE(transmission_download(s.dir + "/dave.torrent",
                                              s.dir + "/dave", "movie.bin",
                                              want, transmission),
                        "transmission-cli did not complete the download");
  BOOST_CHECK_GE(await_figure(dave, "downloaded", size), size);
  BOOST_CHECK_LE(await_figure(dave, "downloaded", size), size + size / 10);
  BOOST_CHECK_GE(await_figure(alice, "uploaded", 2 * size), 2 * size);
  transmission.stop();

  // Skyhaul fetches the post for bob, announcing with his passkey.
  check_fail_status(carol.call("POST", "/user/post/" + pid + "/fetch", "{}"),
                    403);
  auto fetch = bob.call("POST", "/user/post/" + pid + "/fetch",
                        R"({"target":"movies"})");
  BOOST_REQUIRE_EQUAL(fetch.status, 201);
  auto tid = json_field(fetch.body, "data.tid");
  auto body = d.await_status(tid, ended(), 60s, bob.u.api_key);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto got = d.api("GET", "/download/" + tid + "/movie.bin", {},
                   bob.u.api_key);
  BOOST_CHECK(got.body == want);
  // The finished task becomes a post with its metainfo once the torrent
  // is free again.
  auto taken = bob.call("POST", "/user/post",
                        R"({"title":"Again","fromTask":")" + tid + "\"}");
  BOOST_CHECK_EQUAL(taken.status, 409);
  BOOST_REQUIRE_EQUAL(alice.call("DELETE", "/user/post/" + pid).status, 200);
  auto mine_now = bob.call("POST", "/user/post",
                           R"({"title":"Again","fromTask":")" + tid + "\"}");
  BOOST_REQUIRE_EQUAL(mine_now.status, 201);
  BOOST_CHECK_EQUAL(json_field(mine_now.body, "data.size"),
                    std::to_string(size));
  auto npid = json_field(mine_now.body, "data.pid");
  BOOST_CHECK_EQUAL(bob.call("GET", "/user/post/" + npid + "/metainfo").status,
                    200);
  check_fail_status(carol.call("POST", "/user/post",
                               R"({"title":"x","fromTask":")" + tid + "\"}"),
                    404);
}

BOOST_AUTO_TEST_CASE(accounting_counts_once_and_survives_kill_9) {
  server_process d{tracker_flags};
  d.start();
  community_client alice{&d, d.add_user("alice", "--level 1")};
  community_client bob{&d, d.add_user("bob", "--level 1")};
  auto info = "d6:lengthi5000e4:name5:x.bin12:piece lengthi16384e6:pieces"
              + bstr(std::string(20, 'p')) + "e";
  auto pid = alice.post("Fake", 1);
  BOOST_REQUIRE_EQUAL(alice.upload(pid, "d4:info" + info + "e").status, 201);
  auto hex = json_field(alice.call("GET", "/user/post/" + pid).body,
                        "data.infoHash");
  auto ih = raw_hash(hex);
  auto first = announce(d, bob.u.passkey, ih, peer_a, 0, 0, 5000, "started");
  BOOST_CHECK_EQUAL(first.body.find("failure"), std::string::npos);
  BOOST_CHECK_NE(first.body.find("8:intervali2e"), std::string::npos);
  announce(d, bob.u.passkey, ih, peer_a, 1000, 400, 4600);
  BOOST_CHECK_EQUAL(await_figure(bob, "uploaded", 1000), 1000u);
  BOOST_CHECK_EQUAL(await_figure(bob, "downloaded", 400), 400u);
  // The same counters again add nothing; a counter that went back (the
  // client restarted) counts from 0.
  announce(d, bob.u.passkey, ih, peer_a, 1000, 400, 4600);
  announce(d, bob.u.passkey, ih, peer_a, 100, 0, 4600);
  BOOST_CHECK_EQUAL(await_figure(bob, "uploaded", 1100), 1100u);
  // Skyhauld dies; the client goes on with its session's totals.
  d.crash();
  d.start();
  announce(d, bob.u.passkey, ih, peer_a, 250, 0, 4600);
  BOOST_CHECK_EQUAL(await_figure(bob, "uploaded", 1250), 1250u);
  // stopped, then a new session from 0.
  announce(d, bob.u.passkey, ih, peer_a, 300, 0, 4600, "stopped");
  announce(d, bob.u.passkey, ih, peer_a, 50, 0, 4600, "started");
  BOOST_CHECK_EQUAL(await_figure(bob, "uploaded", 1350), 1350u);
  std::this_thread::sleep_for(500ms);
  BOOST_CHECK_EQUAL(await_figure(bob, "uploaded", 0), 1350u);
  BOOST_CHECK_EQUAL(await_figure(alice, "uploaded", 0), 0u);
}

BOOST_AUTO_TEST_CASE(swarm_peers_scrape_and_deleted_posts) {
  server_process d{tracker_flags};
  d.start();
  community_client alice{&d, d.add_user("alice", "--level 1")};
  community_client bob{&d, d.add_user("bob", "--level 1")};
  auto info = "d6:lengthi5000e4:name5:y.bin12:piece lengthi16384e6:pieces"
              + bstr(std::string(20, 'q')) + "e";
  auto pid = alice.post("Swarm", 1);
  BOOST_REQUIRE_EQUAL(alice.upload(pid, "d4:info" + info + "e").status, 201);
  auto ih = raw_hash(json_field(alice.call("GET", "/user/post/" + pid).body,
                                "data.infoHash"));
  announce(d, alice.u.passkey, ih, peer_a, 0, 0, 0, "started", 7001);
  auto r = announce(d, bob.u.passkey, ih, peer_b, 0, 0, 5000, "started",
                    7002);
  // Alice's seeder: 127.0.0.1:7001 compact.
  std::string compact = std::string("\x7f\x00\x00\x01", 4) + "\x1b\x59";
  BOOST_CHECK_NE(r.body.find("8:completei1e10:incompletei1e"),
                 std::string::npos);
  BOOST_CHECK_NE(r.body.find("5:peers6:" + compact), std::string::npos);
  auto dict = http("GET", d.url("api") + "/announce/" + bob.u.passkey
                              + "?info_hash=" + url_escape(ih) + "&peer_id="
                              + url_escape(peer_b)
                              + "&port=7002&uploaded=0&downloaded=0"
                                "&left=5000&compact=0");
  BOOST_CHECK_NE(dict.body.find("2:ip9:127.0.0.1"), std::string::npos);
  BOOST_CHECK_NE(dict.body.find("7:peer id20:" + peer_a), std::string::npos);
  auto sc = http("GET", d.url("api") + "/scrape/" + bob.u.passkey
                            + "?info_hash=" + url_escape(ih));
  BOOST_CHECK_NE(sc.body.find("d5:filesd20:" + ih + "d8:completei1e"),
                 std::string::npos);
  // Malformed announces are refused in the tracker's shape.
  auto bad = http("GET", d.url("api") + "/announce/" + bob.u.passkey
                             + "?info_hash=short&peer_id=x&port=1&left=0");
  BOOST_CHECK_EQUAL(bad.status, 200);
  BOOST_CHECK_NE(bad.body.find("failure reason"), std::string::npos);
  // A deleted post is no longer tracked.
  BOOST_REQUIRE_EQUAL(alice.call("DELETE", "/user/post/" + pid).status, 200);
  auto gone = announce(d, bob.u.passkey, ih, peer_b, 0, 0, 5000);
  BOOST_CHECK_NE(gone.body.find("failure reason"), std::string::npos);
}

/// The network policy decides which peer addresses the tracker hands out:
/// loopback is refused by default, let through by `--allow-network` or
/// `--allow-private-networks`.
BOOST_AUTO_TEST_CASE(refused_peer_addresses_are_never_handed_out) {
  const std::string compact = std::string("\x7f\x00\x00\x01", 4) + "\x1b\x59";
  struct mode {
    std::vector<std::string> flags;
    bool handed_out;
  };
  const std::vector<mode> modes = {
      {{"--allow-private-networks=false"}, false},
      {{"--allow-private-networks=false", "--allow-network", "10.0.0.0/8"},
       false},
      {{"--allow-private-networks=false", "--allow-network", "127.0.0.0/8"},
       true},
      {{"--allow-private-networks=true"}, true},
  };
  for (auto& m : modes) {
    auto flags = tracker_flags;
    flags.insert(flags.end(), m.flags.begin(), m.flags.end());
    server_process d{flags};
    d.start();
    community_client alice{&d, d.add_user("alice", "--level 1")};
    community_client bob{&d, d.add_user("bob", "--level 1")};
    auto info = "d6:lengthi5000e4:name5:p.bin12:piece lengthi16384e6:pieces"
                + bstr(std::string(20, 'r')) + "e";
    auto pid = alice.post("Policy", 1);
    BOOST_REQUIRE_EQUAL(alice.upload(pid, "d4:info" + info + "e").status, 201);
    auto ih = raw_hash(json_field(alice.call("GET", "/user/post/" + pid).body,
                                  "data.infoHash"));
    // Alice seeds from 127.0.0.1:7001; bob asks for peers.
    auto seeded = announce(d, alice.u.passkey, ih, peer_a, 0, 0, 0, "started",
                           7001);
    BOOST_CHECK_EQUAL(seeded.body.find("failure"), std::string::npos);
    auto r = announce(d, bob.u.passkey, ih, peer_b, 0, 0, 5000, "started",
                      7002);
    BOOST_CHECK_EQUAL(r.body.find("failure"), std::string::npos);
    auto listed = r.body.find("5:peers6:" + compact) != std::string::npos;
    BOOST_CHECK_MESSAGE(listed == m.handed_out,
                        m.flags.back() << ": " << r.body);
    if (!m.handed_out) {
      // Not counted as a seeder either: no one can reach it.
      BOOST_CHECK_NE(r.body.find("5:peers0:"), std::string::npos);
      BOOST_CHECK_NE(r.body.find("8:completei0e"), std::string::npos);
    }
    auto dict = http("GET", d.url("api") + "/announce/" + bob.u.passkey
                                + "?info_hash=" + url_escape(ih) + "&peer_id="
                                + url_escape(peer_b)
                                + "&port=7002&uploaded=0&downloaded=0"
                                  "&left=5000&compact=0");
    BOOST_CHECK_EQUAL(dict.body.find("2:ip9:127.0.0.1") != std::string::npos,
                      m.handed_out);
  }
}
