#define BOOST_TEST_MODULE http_cookie
#include <boost/test/unit_test.hpp>

// The session cookie's parser, shared by the Offcloud face and the Task
// API, and the rule that keeps other sites from acting with it.

#include "http/auth.hpp"
#include "http/cookie.hpp"

using skyhaul::http::cookie_allowed;
using skyhaul::http::cookie_value;
using skyhaul::http::request;

namespace {

request with(std::string method,
             std::map<std::string, std::string> headers) {
  request r;
  r.method = std::move(method);
  r.headers = std::move(headers);
  return r;
}

} // namespace

BOOST_AUTO_TEST_CASE(finds_the_named_cookie_among_others) {
  auto r = with("GET", {{"cookie", "a=1; connect.sid=tok; b=2"}});
  BOOST_CHECK_EQUAL(cookie_value(r, "connect.sid"), "tok");
  BOOST_CHECK_EQUAL(cookie_value(r, "a"), "1");
  BOOST_CHECK_EQUAL(cookie_value(r, "b"), "2");
  BOOST_CHECK_EQUAL(cookie_value(r, "c"), "");
  // A name that only ends like the one asked for is another cookie.
  auto other = with("GET", {{"cookie", "xconnect.sid=evil"}});
  BOOST_CHECK_EQUAL(cookie_value(other, "connect.sid"), "");
  auto quoted = with("GET", {{"cookie", "connect.sid=\"tok\""}});
  BOOST_CHECK_EQUAL(cookie_value(quoted, "connect.sid"), "tok");
  BOOST_CHECK_EQUAL(cookie_value(with("GET", {}), "connect.sid"), "");
}

BOOST_AUTO_TEST_CASE(safe_methods_may_always_use_the_cookie) {
  for (auto m : {"GET", "HEAD", "OPTIONS"})
    BOOST_CHECK(cookie_allowed(with(m, {{"origin", "http://evil.example"},
                                        {"host", "127.0.0.1:7700"}})));
}

BOOST_AUTO_TEST_CASE(changes_need_this_origin_or_the_ui_header) {
  auto host = std::pair<const std::string, std::string>{"host",
                                                        "127.0.0.1:7700"};
  for (auto m : {"POST", "PUT", "DELETE", "PATCH"}) {
    BOOST_CHECK(cookie_allowed(
        with(m, {host, {"origin", "http://127.0.0.1:7700"}})));
    BOOST_CHECK(cookie_allowed(
        with(m, {host, {"origin", "https://127.0.0.1:7700"}})));
    // Another port is another origin, though the same site for cookies.
    BOOST_CHECK(!cookie_allowed(
        with(m, {host, {"origin", "http://127.0.0.1:8080"}})));
    BOOST_CHECK(!cookie_allowed(
        with(m, {host, {"origin", "http://evil.example"}})));
    BOOST_CHECK(!cookie_allowed(with(m, {host, {"origin", "null"}})));
    // An Origin that does not match wins over the header.
    BOOST_CHECK(!cookie_allowed(with(m, {host,
                                         {"origin", "http://evil.example"},
                                         {"x-requested-with", "x"}})));
    // No Origin at all (an older client): the header is needed.
    BOOST_CHECK(!cookie_allowed(with(m, {host})));
    BOOST_CHECK(cookie_allowed(with(m, {host, {"x-requested-with", "ui"}})));
  }
  // Without a Host nothing can match.
  BOOST_CHECK(!cookie_allowed(with("POST", {{"origin", "http://"}})));
}
