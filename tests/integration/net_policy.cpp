#define BOOST_TEST_MODULE net_policy_integration
#include <boost/test/unit_test.hpp>

// The network policy in the real skyhauld: without flags a download from
// loopback is refused at connect time; `--allow-network 127.0.0.0/8` lets
// it through (and /config shows it); a bad network stops the start. The
// torrent session keeps to the same policy: a swarm peer at an address it
// refuses is never contacted.

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/reference_digests.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/swarm.hpp"
#include "tests/support/task_calls.hpp"

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

using namespace skyhaul::test;

namespace {

/// The test daemon allows everything by default; the last word wins, so
/// this puts the default policy back.
const char* const strict = "--allow-private-networks=false";

using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Waits, bounded, until the daemon's log holds `text`.
bool logged(const server_process& d, const std::string& text,
            std::chrono::seconds limit = 30s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (read_file(d.data_dir() + "/skyhauld.log").find(text)
         == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_loopback_download_is_refused_without_flags) {
  origin org;
  server_process d{{strict}};
  d.start();
  auto tid = create(d, R"({"url":")" + org.url("/file/1000") + R"("})");
  auto body = d.await_status(tid, ended());
  BOOST_CHECK_MESSAGE(state_of(body) == "failed", body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.error.code"), "blocked_address");
  BOOST_CHECK_MESSAGE(json_field(body, "detail.error.message")
                              .find("refused to connect to 127.0.0.1")
                          != std::string::npos,
                      body);
  // Refused before a byte went out: the origin never saw the request.
  BOOST_CHECK(org.log().find("/file/1000") == std::string::npos);
  auto cfg = d.api("GET", "/config").body;
  BOOST_CHECK_MESSAGE(cfg.find("\"allow_private_networks\":false")
                          != std::string::npos,
                      cfg);
  BOOST_CHECK_MESSAGE(cfg.find("\"allow_network\":[]") != std::string::npos,
                      cfg);
}

BOOST_AUTO_TEST_CASE(allow_network_lets_loopback_through) {
  origin org;
  server_process d{{strict, "--allow-network", "127.0.0.0/8"}};
  d.start();
  auto tid = create(d, R"({"url":")" + org.url("/file/1000") + R"("})");
  auto body = d.await_status(tid, ended());
  BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK(org.log().find("/file/1000") != std::string::npos);
  auto cfg = d.api("GET", "/config").body;
  BOOST_CHECK_MESSAGE(cfg.find("\"allow_private_networks\":false")
                          != std::string::npos,
                      cfg);
  BOOST_CHECK_MESSAGE(cfg.find("\"allow_network\":[\"127.0.0.0/8\"]")
                          != std::string::npos,
                      cfg);
}

BOOST_AUTO_TEST_CASE(a_bad_network_stops_the_start_with_its_name) {
  server_process d{{"--allow-network", "10.0.0.1/8"}};
  try {
    d.start();
    BOOST_ERROR("skyhauld started with --allow-network 10.0.0.1/8");
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    BOOST_CHECK_MESSAGE(what.find("--allow-network") != std::string::npos
                            && what.find("10.0.0.1/8") != std::string::npos,
                        what);
  }
}

BOOST_AUTO_TEST_CASE(a_swarm_peer_outside_the_allowed_networks_is_refused) {
  scratch s{"skyhaul-policy-bt"};
  auto t = make_torrent(s.dir + "/data", "pack", {{"a.bin", 300000}});
  // The only peer listens on 127.0.0.2; the daemon may reach 127.0.0.1.
  seeder seed{t, s.dir + "/data", "127.0.0.2"};
  auto magnet = t.magnet + "&x.pe=" + seed.peer();
  auto spec = R"({"url":")" + magnet + R"("})";
  {
    server_process d{{strict, "--allow-network", "127.0.0.1/32"}};
    d.start();
    auto tid = create(d, spec);
    BOOST_REQUIRE_MESSAGE(
        logged(d, "peer 127.0.0.2 refused by the network policy"),
        read_file(d.data_dir() + "/skyhauld.log"));
    // Refused before a connection: nothing came from the swarm.
    auto body = d.api("GET", "/task/tid/" + tid + "/status").body;
    BOOST_CHECK_MESSAGE(state_of(body) == "downloading", body);
    BOOST_CHECK_EQUAL(json_field(body, "detail.done_bytes"), "0");
  }
  // The same swarm with its network allowed: the download completes.
  server_process d{{strict, "--allow-network", "127.0.0.0/8"}};
  d.start();
  auto tid = create(d, spec);
  auto body = d.await_status(tid, ended(), 60s);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto got = d.api("GET", "/download/" + tid + "/" + t.files.front().path);
  BOOST_CHECK_EQUAL(got.status, 200);
  BOOST_CHECK_EQUAL(got.body.size(), 300000u);
  BOOST_CHECK_EQUAL(digest_of(EVP_md5(), got.body), t.files.front().md5);
}
