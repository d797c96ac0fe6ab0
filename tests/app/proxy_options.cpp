#define BOOST_TEST_MODULE proxy_options
#include "app/proxy_options.hpp"

#include "app/options.hpp"
#include "tests/support/scratch.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>

using namespace skyhaul;

namespace {

/// The settings of a config file holding `json`; throws as a start would.
settings with_config(const std::string& json) {
  test::scratch tmp{"skyhaul-proxy-options"};
  auto path = tmp.dir + "/config.json";
  std::ofstream{path} << json;
  command cmd;
  return load_settings({"--config", path}, cmd);
}

/// The message a start with `json` fails with.
std::string refusal(const std::string& json) {
  try {
    with_config(json);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

std::string one(const std::string& url) {
  return R"({"proxies":[{"id":"p","name":"P","region":"eu","url":")" + url
         + R"("}]})";
}

} // namespace

BOOST_AUTO_TEST_CASE(every_scheme_with_and_without_credentials) {
  auto s = with_config(R"({"proxies":[
    {"id":"web","name":"Web","region":"Frankfurt","url":"http://10.0.0.1:3128"},
    {"id":"tls","name":"TLS","region":"Paris","url":"https://proxy.example:443/"},
    {"id":"sock","name":"Socks","region":"Oslo",
     "url":"socks5://al%40ice:p%3Ass@[2001:db8::1]:1080"},
    {"id":"remote","name":"Remote DNS","region":"Rome",
     "url":"socks5h://bob@proxy.example:1080"}],
    "default_proxy":"web","bt_proxy":"remote"})");
  BOOST_REQUIRE_EQUAL(s.proxies.size(), 4u);
  auto& web = s.proxies[0];
  BOOST_CHECK_EQUAL(web.id, "web");
  BOOST_CHECK_EQUAL(web.name, "Web");
  BOOST_CHECK_EQUAL(web.region, "Frankfurt");
  BOOST_CHECK_EQUAL(web.scheme, "http");
  BOOST_CHECK_EQUAL(web.host, "10.0.0.1");
  BOOST_CHECK_EQUAL(web.port, 3128);
  BOOST_CHECK(!web.is_socks());
  BOOST_CHECK_EQUAL(s.proxies[1].scheme, "https");
  BOOST_CHECK_EQUAL(s.proxies[1].port, 443);
  auto& sock = s.proxies[2];
  BOOST_CHECK_EQUAL(sock.host, "2001:db8::1");
  BOOST_CHECK_EQUAL(sock.user, "al@ice");
  BOOST_CHECK_EQUAL(sock.password, "p:ss");
  BOOST_CHECK(sock.is_socks());
  BOOST_CHECK_EQUAL(s.proxies[3].scheme, "socks5h");
  BOOST_CHECK_EQUAL(s.proxies[3].user, "bob");
  BOOST_CHECK_EQUAL(s.proxies[3].password, "");
  BOOST_CHECK_EQUAL(s.default_proxy, "web");
  BOOST_CHECK_EQUAL(s.bt_proxy, "remote");
}

BOOST_AUTO_TEST_CASE(no_proxies_by_default) {
  command cmd;
  auto s = load_settings({}, cmd);
  BOOST_CHECK(s.proxies.empty());
  BOOST_CHECK(s.default_proxy.empty());
  BOOST_CHECK(s.bt_proxy.empty());
}

BOOST_AUTO_TEST_CASE(bad_proxies_fail_the_start_with_a_clear_message) {
  auto has = [](const std::string& msg, const std::string& part) {
    BOOST_TEST_INFO("message: " << msg);
    BOOST_CHECK_NE(msg.find(part), std::string::npos);
  };
  has(refusal(one("ftp://h:21")), "scheme must be http, https, socks5");
  has(refusal(one("socks4://h:1080")), "'socks4'");
  has(refusal(one("h:3128")), "SCHEME://");
  has(refusal(one("http://h")), "needs a port");
  has(refusal(one("http://h:0")), "port must be 1 to 65535");
  has(refusal(one("http://h:65536")), "port must be 1 to 65535");
  has(refusal(one("http://h:80/path")), "must not have a path");
  has(refusal(one("http://:80")), "no valid host");
  has(refusal(one("http://:pw@h:80")), "without a user name");
  has(refusal(one("socks5://[::1:1080")), "[IPV6]:PORT");
  has(refusal(R"({"proxies":{"id":"p"}})"), "list of proxy objects");
  has(refusal(R"({"proxies":[{"url":"http://h:1"}]})"), "needs an id");
  has(refusal(R"({"proxies":[{"id":"a b","url":"http://h:1"}]})"),
      "without blanks");
  has(refusal(R"({"proxies":[{"id":"p","url":"http://h:1","port":1}]})"),
      "unknown element port");
  has(refusal(R"({"proxies":[{"id":"p","url":"http://h:1"},
                             {"id":"p","url":"http://h:2"}]})"),
      "two proxies have the id p");
  // The message names the proxy.
  has(refusal(one("gopher://h:70")), "proxies: p:");
}

BOOST_AUTO_TEST_CASE(choices_must_name_configured_proxies) {
  auto two = std::string{R"({"proxies":[
    {"id":"web","url":"http://h:3128"},{"id":"sock","url":"socks5://h:1080"}],)"};
  BOOST_CHECK_NE(refusal(two + R"("default_proxy":"nope"})")
                     .find("default_proxy: no proxy has the id 'nope'"),
                 std::string::npos);
  BOOST_CHECK_NE(refusal(two + R"("bt_proxy":"nope"})").find("bt_proxy"),
                 std::string::npos);
  BOOST_CHECK_NE(
      refusal(two + R"("bt_proxy":"web"})").find("is not a SOCKS5 proxy"),
      std::string::npos);
  BOOST_CHECK_EQUAL(refusal(two + R"("bt_proxy":"sock"})"), "");
  // The command line can choose too, and is checked the same way.
  command cmd;
  BOOST_CHECK_THROW(load_settings({"--default-proxy", "web"}, cmd),
                    std::invalid_argument);
}
