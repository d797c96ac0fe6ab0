#define BOOST_TEST_MODULE offcloud_auth_integration
#include <boost/test/unit_test.hpp>

// Who may call the Offcloud face, and what their plan lets them do: every
// place a key is sent in, login with its cookie, check, key, logout, the
// login rate limits per account and per address, CORS for browsers, the
// account's stats, and `not_available` for each plan flag with nothing
// started.

#include <csignal>
#include <fstream>
#include <regex>

#include <curl/curl.h>

#include "tests/support/daemon.hpp"
#include "tests/support/offcloud_calls.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/scratch.hpp"

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

const char* config_json = R"({
  "plans": [
    {"name": "full"},
    {"name": "nocloud", "cloud": false},
    {"name": "noremote", "remote": false},
    {"name": "noproxy", "proxy": false},
    {"name": "nopremium", "premium": false},
    {"name": "noinstant", "instant": false},
    {"name": "onelink", "links_per_day": 1}
  ],
  "default_plan": "full",
  "proxies": [{"id": "p1", "name": "Local", "region": "eu",
               "url": "http://127.0.0.1:9"}],
  "cors_origins": ["http://app.example"],
  "login_max_failures": 3,
  "login_window": 600
})";

struct fixture {
  scratch s{"skyhaul-oc-auth"};
  origin org;
  server_process d{{"--config", write_config(s.dir)}};
  fixture() {
    d.start();
  }
  static std::string write_config(const std::string& dir) {
    auto path = dir + "/config.json";
    std::ofstream{path} << config_json;
    return path;
  }
  user make(const std::string& name, const std::string& plan = "full") {
    return d.add_user(name,
                      "--email " + name + "@example.com --password-stdin"
                          + " --plan " + plan,
                      "secret-" + name + "\n");
  }
};

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

/// POST /api/login from a chosen loopback address (127.0.0.0/8 is all
/// ours), so the per-address limit can be told from the per-account one.
size_t collect_header(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

response login_from(const server_process& d, const std::string& address,
                    const std::string& email, const std::string& password,
                    const std::vector<std::string>& headers = {}) {
  response res;
  auto* h = curl_easy_init();
  curl_slist* list = nullptr;
  for (auto& line : headers)
    list = curl_slist_append(list, line.c_str());
  std::string head;
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &head);
  auto url = d.url() + "/api/login";
  auto body = oc::form({{"username", email}, {"password", password}});
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_INTERFACE, address.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &res.body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
  if (curl_easy_perform(h) == CURLE_OK)
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res.status);
  curl_easy_cleanup(h);
  curl_slist_free_all(list);
  // Only the cookie is looked at here.
  std::smatch m;
  if (std::regex_search(head, m, std::regex{"[Ss]et-[Cc]ookie: ([^\r\n]*)"}))
    res.headers["set-cookie"] = m[1];
  return res;
}

response login(const server_process& d, const std::string& email,
               const std::string& password) {
  return http("POST", d.url() + "/api/login",
              oc::form({{"username", email}, {"password", password}}),
              oc::form_type);
}

/// The connect.sid value of a Set-Cookie header.
std::string sid_of(const response& res) {
  auto& c = res.headers.at("set-cookie");
  auto start = c.find("connect.sid=") + 12;
  return c.substr(start, c.find(';') - start);
}

} // namespace

BOOST_FIXTURE_TEST_CASE(every_place_a_key_is_sent_in, fixture) {
  auto u = make("ann");
  auto k = u.api_key;
  auto want = json_field(oc::get(d, "/api/account/stats", k).body, "userId");
  BOOST_REQUIRE_EQUAL(want.size(), 24u);
  auto base = d.url() + "/api/account/stats";
  for (auto& res :
       {http("GET", base + "?key=" + k), http("GET", base + "?apiKey=" + k),
        http("GET", base + "?apikey=" + k),
        http("POST", base, "key=" + k, oc::form_type),
        http("GET", base, {}, {"Authorization: Bearer " + k})}) {
    BOOST_CHECK_EQUAL(res.status, 200);
    BOOST_CHECK_EQUAL(json_field(res.body, "userId"), want);
    BOOST_CHECK_EQUAL(json_field(res.body, "email"), "ann@example.com");
  }
  for (auto& res : {http("GET", base), http("GET", base + "?key=wrong"),
                    http("GET", base, {}, {"Authorization: Bearer nope"}),
                    http("GET", base, {}, {"Cookie: connect.sid=abc"})}) {
    BOOST_CHECK_EQUAL(res.status, 401);
    BOOST_CHECK_EQUAL(json_field(res.body, "error"), "NOAUTH");
  }
}

BOOST_FIXTURE_TEST_CASE(login_cookie_check_key_logout, fixture) {
  auto u = make("bea");
  auto bad = login(d, "bea@example.com", "wrong");
  BOOST_CHECK_EQUAL(bad.status, 401);
  BOOST_CHECK(!json_field(bad.body, "error").empty());
  BOOST_CHECK_EQUAL(login(d, "not an address", "x").status, 400);
  // E-mails compare in lower case.
  auto ok = login(d, "Bea@Example.com", "secret-bea");
  BOOST_REQUIRE_MESSAGE(ok.status == 200, ok.body);
  BOOST_CHECK_EQUAL(json_field(ok.body, "email"), "bea@example.com");
  BOOST_CHECK_EQUAL(json_field(ok.body, "userId").size(), 24u);
  auto& set = ok.headers.at("set-cookie");
  BOOST_CHECK(set.find("HttpOnly") != std::string::npos);
  BOOST_CHECK(set.find("SameSite=Lax") != std::string::npos);
  auto cookie = "Cookie: connect.sid=" + sid_of(ok);
  auto check = [&](const std::vector<std::string>& h) {
    return json_field(http("GET", d.url() + "/api/check", {}, h).body,
                      "loggedIn");
  };
  BOOST_CHECK_EQUAL(check({cookie}), "1");
  BOOST_CHECK_EQUAL(check({}), "0");
  BOOST_CHECK_EQUAL(check({"Cookie: other=1; " + cookie.substr(8)}), "1");
  // The session calls like a key does.
  auto stats = http("GET", d.url() + "/api/account/stats", {}, {cookie});
  BOOST_CHECK_EQUAL(json_field(stats.body, "email"), "bea@example.com");
  auto key = http("POST", d.url() + "/api/key", {}, {cookie});
  BOOST_REQUIRE_EQUAL(key.status, 200);
  auto api_key = json_field(key.body, "apiKey");
  BOOST_CHECK_EQUAL(json_field(key.body, "email"), "bea@example.com");
  BOOST_CHECK_EQUAL(oc::get(d, "/api/account/stats", api_key).status, 200);
  // The user's own key still works beside it.
  BOOST_CHECK_EQUAL(oc::get(d, "/api/account/stats", u.api_key).status, 200);
  auto out = http("POST", d.url() + "/api/logout", {}, {cookie});
  BOOST_CHECK_EQUAL(out.status, 200);
  BOOST_CHECK_EQUAL(check({cookie}), "0");
  BOOST_CHECK_EQUAL(
      http("GET", d.url() + "/api/account/stats", {}, {cookie}).status, 401);
  // The session is gone from LMDB too: a restart does not revive it.
  auto again = login(d, "bea@example.com", "secret-bea");
  auto cookie2 = "Cookie: connect.sid=" + sid_of(again);
  d.stop(SIGTERM);
  d.start();
  BOOST_CHECK_EQUAL(check({cookie2}), "1");
  BOOST_CHECK_EQUAL(check({cookie}), "0");
}

BOOST_FIXTURE_TEST_CASE(another_sites_page_cannot_act_with_the_cookie,
                        fixture) {
  make("cat");
  auto ok = login(d, "cat@example.com", "secret-cat");
  BOOST_REQUIRE_MESSAGE(ok.status == 200, ok.body);
  auto cookie = "Cookie: connect.sid=" + sid_of(ok);
  auto host = d.url().substr(std::string{"http://"}.size());
  auto key_with = [&](std::vector<std::string> headers) {
    headers.push_back(cookie);
    return http("POST", d.url() + "/api/key", {}, headers).status;
  };
  // A page of another site: the browser names it in Origin.
  BOOST_CHECK_EQUAL(key_with({"Origin: http://evil.example"}), 401);
  BOOST_CHECK_EQUAL(key_with({"Origin: null"}), 401);
  // This server's own pages, a configured origin, and clients that send
  // no Origin (Offcloud's scripts and wrappers) go on.
  BOOST_CHECK_EQUAL(key_with({"Origin: http://" + host}), 200);
  BOOST_CHECK_EQUAL(key_with({"Origin: http://app.example"}), 200);
  BOOST_CHECK_EQUAL(key_with({}), 200);
  // Reading is not acting: a GET with a foreign Origin still answers
  // (CORS keeps the reply from that page).
  auto check = http("GET", d.url() + "/api/check", {},
                    {cookie, "Origin: http://evil.example"});
  BOOST_CHECK_EQUAL(json_field(check.body, "loggedIn"), "1");
}

BOOST_FIXTURE_TEST_CASE(failed_logins_are_limited_per_account_and_address,
                        fixture) {
  make("cid");
  make("dee");
  // Three failures of cid's password from one address...
  for (int i = 0; i < 3; ++i)
    BOOST_CHECK_EQUAL(
        login_from(d, "127.0.0.2", "cid@example.com", "guess").status, 401);
  // ...lock the account from everywhere, the right password included.
  auto locked = login_from(d, "127.0.0.4", "cid@example.com", "secret-cid");
  BOOST_CHECK_EQUAL(locked.status, 429);
  BOOST_CHECK(!json_field(locked.body, "error").empty());
  // And lock that address for every account.
  BOOST_CHECK_EQUAL(
      login_from(d, "127.0.0.2", "dee@example.com", "secret-dee").status, 429);
  // Failures on accounts that do not exist count against the address too.
  for (int i = 0; i < 3; ++i)
    BOOST_CHECK_EQUAL(login_from(d, "127.0.0.3",
                                 "x" + std::to_string(i) + "@example.com", "g")
                          .status,
                      401);
  BOOST_CHECK_EQUAL(
      login_from(d, "127.0.0.3", "dee@example.com", "secret-dee").status, 429);
  // Another account from another address is not affected.
  BOOST_CHECK_EQUAL(
      login_from(d, "127.0.0.5", "dee@example.com", "secret-dee").status, 200);
}

BOOST_FIXTURE_TEST_CASE(cors_for_the_configured_origins, fixture) {
  auto u = make("eve");
  auto url = d.url() + "/api/account/stats?key=" + u.api_key;
  auto ok = http("GET", url, {}, {"Origin: http://app.example"});
  BOOST_CHECK_EQUAL(ok.headers["access-control-allow-origin"],
                    "http://app.example");
  BOOST_CHECK_EQUAL(ok.headers["access-control-allow-credentials"], "true");
  auto other = http("GET", url, {}, {"Origin: http://evil.example"});
  BOOST_CHECK_EQUAL(other.status, 200);
  BOOST_CHECK(other.headers.count("access-control-allow-origin") == 0);
  // A refusal carries them too, so the page can read the error.
  auto noauth = http("GET", d.url() + "/api/account/stats", {},
                     {"Origin: http://app.example"});
  BOOST_CHECK_EQUAL(noauth.status, 401);
  BOOST_CHECK_EQUAL(noauth.headers["access-control-allow-origin"],
                    "http://app.example");
  auto pre = http("OPTIONS", d.url() + "/api/login", {},
                  {"Origin: http://app.example",
                   "Access-Control-Request-Method: POST",
                   "Access-Control-Request-Headers: content-type"});
  BOOST_CHECK_EQUAL(pre.status, 204);
  BOOST_CHECK(pre.headers["access-control-allow-methods"].find("POST")
              != std::string::npos);
  BOOST_CHECK_EQUAL(pre.headers["access-control-allow-headers"],
                    "content-type");
  auto pre_bad = http("OPTIONS", d.url() + "/api/login", {},
                      {"Origin: http://evil.example"});
  BOOST_CHECK(pre_bad.headers.count("access-control-allow-origin") == 0);
}

BOOST_FIXTURE_TEST_CASE(account_stats_shape, fixture) {
  auto u = make("fay", "onelink");
  for (auto path : {"/api/account/stats", "/api/account/info"}) {
    auto res = oc::get(d, path, u.api_key);
    BOOST_REQUIRE_EQUAL(res.status, 200);
    BOOST_CHECK_EQUAL(json_field(res.body, "isPremium"), "true");
    BOOST_CHECK(std::regex_match(json_field(res.body, "expirationDate"),
                                 std::regex{R"(\d\d-\d\d-\d{4})"}));
    BOOST_CHECK_EQUAL(json_field(res.body, "limits.links"), "1");
    for (auto name : {"premium", "torrent", "streaming", "cloud", "proxy"})
      BOOST_CHECK_MESSAGE(!json_field(res.body, std::string{"limits."} + name)
                               .empty(),
                          name);
  }
}

BOOST_FIXTURE_TEST_CASE(not_available_for_each_plan_flag, fixture) {
  auto src = org.url("/file/100");
  auto magnet = "magnet:?xt=urn:btih:" + std::string(40, 'a');
  struct refusal {
    std::string plan, path;
    std::vector<std::pair<std::string, std::string>> fields;
    std::string word;
  };
  std::vector<refusal> cases = {
      {"nocloud", "/cloud", {{"url", src}}, "cloud"},
      {"nocloud", "/cloud/download", {{"url", src}}, "cloud"},
      {"noremote", "/remote", {{"url", src}, {"remoteOptionId", "1"}},
       "remote"},
      {"noproxy", "/cloud", {{"url", src}, {"proxyId", "p1"}}, "proxy"},
      {"noproxy", "/instant", {{"url", src}, {"proxyId", "p1"}}, "proxy"},
      {"nopremium", "/cloud", {{"url", magnet}}, "premium"},
      {"noinstant", "/instant", {{"url", src}}, "premium"},
  };
  int n = 0;
  for (auto& c : cases) {
    auto u = make("u" + std::to_string(n++), c.plan);
    auto res = oc::post(d, c.path, oc::form(c.fields), u.api_key);
    BOOST_CHECK_MESSAGE(json_field(res.body, "not_available") == c.word,
                        c.plan << " " << c.path << ": " << res.body);
    // Nothing was started.
    BOOST_CHECK_EQUAL(oc::get(d, "/api/cloud/history", u.api_key).body, "[]");
  }
  // One link a day: the second request of the day is refused.
  auto one = make("once", "onelink");
  BOOST_CHECK_EQUAL(oc::cloud(d, src, one.api_key).size(), 24u);
  auto second = oc::post(d, "/cloud", oc::form({{"url", src}}), one.api_key);
  BOOST_CHECK_EQUAL(json_field(second.body, "not_available"), "links");
  BOOST_CHECK_EQUAL(
      oc::parse(oc::get(d, "/api/cloud/history", one.api_key).body).Size(),
      1u);
  // The full plan does the same calls.
  auto full = make("full");
  auto ok = oc::post(d, "/cloud", oc::form({{"url", src}}), full.api_key);
  BOOST_CHECK(json_field(ok.body, "not_available").empty());
  BOOST_CHECK_EQUAL(json_field(ok.body, "requestId").size(), 24u);
}

BOOST_FIXTURE_TEST_CASE(proxies_listed_and_chosen, fixture) {
  auto u = make("gil");
  for (auto path : {"/proxy", "/proxy/list"}) {
    auto res = oc::post(d, path, {}, u.api_key);
    auto doc = oc::parse(res.body);
    BOOST_REQUIRE_MESSAGE(doc.IsArray() && doc.Size() == 1, res.body);
    BOOST_CHECK_EQUAL(doc[0]["id"].GetString(), std::string{"p1"});
    BOOST_CHECK_EQUAL(doc[0]["region"].GetString(), std::string{"eu"});
    BOOST_CHECK(!doc[0].HasMember("url"));
  }
  auto src = org.url("/file/100");
  auto ok = oc::post(d, "/cloud", oc::form({{"url", src}, {"proxyId", "p1"}}),
                     u.api_key);
  BOOST_CHECK_EQUAL(json_field(ok.body, "requestId").size(), 24u);
  auto bad = oc::post(d, "/cloud", oc::form({{"url", src}, {"proxyId", "p9"}}),
                      u.api_key);
  BOOST_CHECK_EQUAL(bad.status, 400);
  BOOST_CHECK(!json_field(bad.body, "error").empty());
  // A plan without proxies sees none.
  auto np = make("hal", "noproxy");
  BOOST_CHECK_EQUAL(oc::post(d, "/proxy", {}, np.api_key).body, "[]");
}

BOOST_FIXTURE_TEST_CASE(failed_logins_count_across_a_restart, fixture) {
  make("ivy");
  for (int i = 0; i < 3; ++i)
    BOOST_CHECK_EQUAL(
        login_from(d, "127.0.0.6", "ivy@example.com", "guess").status, 401);
  BOOST_CHECK_EQUAL(
      login_from(d, "127.0.0.7", "ivy@example.com", "secret-ivy").status, 429);
  // A restart forgives nothing: the counts are in LMDB.
  BOOST_REQUIRE_EQUAL(d.stop(SIGTERM), 0);
  d.start();
  auto again = login_from(d, "127.0.0.7", "ivy@example.com", "secret-ivy");
  BOOST_CHECK_EQUAL(again.status, 429);
  BOOST_CHECK(!json_field(again.body, "error").empty());
  BOOST_CHECK_EQUAL(
      login_from(d, "127.0.0.6", "other@example.com", "guess").status, 429);
  // Another address and account are untouched.
  make("jon");
  BOOST_CHECK_EQUAL(
      login_from(d, "127.0.0.8", "jon@example.com", "secret-jon").status, 200);
}

// No listener speaks TLS: behind a trusted reverse proxy that terminates
// it, the cookie is Secure and the links are https; the same header from
// anyone else changes nothing.
BOOST_AUTO_TEST_CASE(secure_cookie_only_through_a_trusted_https_proxy) {
  scratch s{"skyhaul-oc-secure"};
  server_process d{{"--config", fixture::write_config(s.dir),
                    "--trusted-proxy", "127.0.0.2/32,127.0.0.3"}};
  d.start();
  d.add_user("kim", "--email kim@example.com --password-stdin",
             "secret-kim\n");
  auto https = std::vector<std::string>{"X-Forwarded-Proto: https"};
  auto trusted = login_from(d, "127.0.0.2", "kim@example.com", "secret-kim",
                            https);
  BOOST_REQUIRE_EQUAL(trusted.status, 200);
  auto cookie = trusted.headers["set-cookie"];
  BOOST_CHECK_MESSAGE(cookie.find("; Secure") != std::string::npos, cookie);
  BOOST_CHECK(cookie.find("HttpOnly") != std::string::npos);
  auto untrusted = login_from(d, "127.0.0.4", "kim@example.com", "secret-kim",
                              https);
  BOOST_REQUIRE_EQUAL(untrusted.status, 200);
  BOOST_CHECK_MESSAGE(
      untrusted.headers["set-cookie"].find("Secure") == std::string::npos,
      untrusted.headers["set-cookie"]);
  auto plain = login_from(d, "127.0.0.3", "kim@example.com", "secret-kim",
                          {"X-Forwarded-Proto: http"});
  BOOST_REQUIRE_EQUAL(plain.status, 200);
  BOOST_CHECK(plain.headers["set-cookie"].find("Secure") == std::string::npos);
  // Behind the trusted proxy the failures count against the client named
  // in X-Forwarded-For, not against the proxy's own address.
  for (int i = 0; i < 3; ++i)
    BOOST_CHECK_EQUAL(login_from(d, "127.0.0.2", "k" + std::to_string(i)
                                                     + "@example.com",
                                 "g", {"X-Forwarded-For: 203.0.113.9"})
                          .status,
                      401);
  BOOST_CHECK_EQUAL(login_from(d, "127.0.0.2", "kim@example.com", "secret-kim",
                               {"X-Forwarded-For: 203.0.113.9"})
                        .status,
                    429);
  BOOST_CHECK_EQUAL(login_from(d, "127.0.0.2", "kim@example.com", "secret-kim",
                               {"X-Forwarded-For: 203.0.113.10"})
                        .status,
                    200);
}
