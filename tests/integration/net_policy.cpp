#define BOOST_TEST_MODULE net_policy_integration
#include <boost/test/unit_test.hpp>

// The network policy in the real skyhauld: without flags a download from
// loopback is refused at connect time; `--allow-network 127.0.0.0/8` lets
// it through (and /config shows it); a bad network stops the start.

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/task_calls.hpp"

#include <string>

using namespace skyhaul::test;

namespace {

/// The test daemon allows everything by default; the last word wins, so
/// this puts the default policy back.
const char* const strict = "--allow-private-networks=false";

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
