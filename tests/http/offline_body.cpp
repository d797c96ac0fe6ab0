#include <boost/test/unit_test.hpp>

// The Offline API body (seed 000) and the ACL grammar it carries.

#include "http/offline_body.hpp"
#include "protocol/acl.hpp"
#include "protocol/error.hpp"
#include "protocol/source.hpp"
#include "protocol/user_record.hpp"

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

const std::string cbs = "\"SuccessCallbackUrl\":\"http://website/succ/\","
                        "\"FailureCallbackUrl\":\"http://website/fail/\"";

ec parse(const std::string& body, task_spec& spec) {
  bool malformed = false;
  return code_of(parse_offline_body(body, "bucket", spec, malformed));
}

} // namespace

BOOST_AUTO_TEST_SUITE(offline_body)

BOOST_AUTO_TEST_CASE(the_seeds_http_example_parses) {
  // Verbatim shape of the seed's example, trailing comma included (its
  // Python-style ACLs quoting aside).
  std::string body
      = "{\n"
        "    \"Url\":\"http://www.abc.com/download/movie.mp4\",\n"
        "    \"Key\":\"movies/2016/movie.mp4\",\n"
        "    \"ACLs\": {\"acl\": \"private\"},\n"
        "    \"SHA1\":\"ABCDEABCDEABCDEABCDEABCDEABCDEABCDEABCDE\",\n"
        "    \"MD5\":\"abcdabcdabcdabcdabcdabcdabcdabcd\",\n"
        "    \"CRC32\":\"abcdef\",\n"
        "    \"SuccessCallbackUrl\":\"http://website/succ/\",\n"
        "    \"FailureCallbackUrl\":\"http://website/fail/\",\n"
        "}";
  task_spec spec;
  BOOST_REQUIRE(parse(body, spec) == ec::none);
  BOOST_CHECK_EQUAL(spec.bucket, "bucket");
  BOOST_CHECK_EQUAL(spec.key, "movies/2016/movie.mp4");
  BOOST_CHECK_EQUAL(spec.sha1, "abcdeabcdeabcdeabcdeabcdeabcdeabcdeabcde");
  BOOST_CHECK_EQUAL(spec.crc32, "00abcdef");
  BOOST_CHECK_EQUAL(spec.acl.canned, "private");
  BOOST_CHECK_EQUAL(spec.success_callback_url, "http://website/succ/");
  BOOST_CHECK(spec.origin == face::offline_api);
}

BOOST_AUTO_TEST_CASE(key_wins_over_target_and_size_takes_both_forms) {
  task_spec spec;
  BOOST_REQUIRE(parse("{\"Url\":\"http://h/x\",\"Key\":\"k\",\"Target\":"
                      "\"t\",\"Size\":\"123\","
                          + cbs + "}",
                      spec)
                == ec::none);
  BOOST_CHECK_EQUAL(spec.key, "k");
  BOOST_CHECK(spec.target.empty());
  BOOST_CHECK_EQUAL(spec.size, 123);
  BOOST_REQUIRE(parse("{\"Url\":\"http://h/x\",\"Size\":77," + cbs + "}", spec)
                == ec::none);
  BOOST_CHECK_EQUAL(spec.size, 77);
}

BOOST_AUTO_TEST_CASE(every_on_key_exist_rule_is_accepted) {
  for (auto rule :
       {"ignore", "ignore-same-md5", "ignore-same-sha1", "ignore-same-crc32",
        "ignore-same-checksum", "ignore-same-size", "override"}) {
    task_spec spec;
    BOOST_CHECK_MESSAGE(parse("{\"Url\":\"http://h/x\",\"OnKeyExist\":\""
                                  + std::string{rule} + "\"," + cbs + "}",
                              spec)
                            == ec::none,
                        rule);
    BOOST_CHECK_EQUAL(to_string(spec.rule), rule);
  }
}

BOOST_AUTO_TEST_CASE(errors_carry_the_seed_codes) {
  task_spec spec;
  bool malformed = false;
  BOOST_CHECK(parse_offline_body("{\"Url\":", "b", spec, malformed));
  BOOST_CHECK(malformed);
  BOOST_CHECK(parse("{\"Url\":\"gopher://h/x\"," + cbs + "}", spec)
              == ec::invalid_uri);
  // BitTorrent sources, with a choice of files.
  BOOST_CHECK(parse("{\"Url\":\"http://h/movie.torrent\",\"Files\":[\"a\"],"
                    + cbs + "}",
                    spec)
              == ec::none);
  BOOST_CHECK_EQUAL(spec.files.size(), 1u);
  auto magnet = std::string{"magnet:?xt=urn:btih:"} + std::string(40, 'a');
  BOOST_CHECK(parse("{\"Url\":\"" + magnet + "\"," + cbs + "}", spec)
              == ec::none);
  BOOST_CHECK(parse("{\"Url\":\"magnet:?xt=urn:btih:abc\"," + cbs + "}", spec)
              == ec::invalid_uri);
  BOOST_CHECK(parse("{\"Url\":\"http://h/movie\",\"Files\":[\"a\"]," + cbs
                    + "}",
                    spec)
              == ec::invalid_argument);
  BOOST_CHECK(parse("{\"Url\":\"http://h/x\"}", spec) == ec::invalid_argument);
  BOOST_CHECK(parse("{\"Url\":\"http://h/x\",\"SuccessCallbackUrl\":\"x\","
                    "\"FailureCallbackUrl\":\"http://h/\"}",
                    spec)
              == ec::invalid_uri);
  BOOST_CHECK(
      parse("{\"Url\":\"http://h/x\",\"Url\":\"http://h/y\"," + cbs + "}", spec)
      == ec::invalid_argument);
  BOOST_CHECK(
      parse("{\"Url\":\"http://h/x\",\"Files\":[\"a\"]," + cbs + "}", spec)
      == ec::invalid_argument);
  BOOST_CHECK(
      parse("{\"Url\":\"http://h/x\",\"Key\":\"a/./b\"," + cbs + "}", spec)
      == ec::invalid_argument);
}

BOOST_AUTO_TEST_CASE(acls_take_every_seed_form) {
  task_spec spec;
  BOOST_REQUIRE(
      parse("{\"Url\":\"http://h/x\",\"ACLs\":{\"grant-read\":\"id=alice\","
            "\"grant-write\":\"bob\",\"grant-read-acp\":\"emailAddress=c@d\","
            "\"grant-full-control\":\"id=eve, id=7\"},"
                + cbs + "}",
            spec)
      == ec::none);
  auto& g = spec.acl.grants;
  BOOST_REQUIRE_EQUAL(g.size(), 5u);
  user_record alice;
  alice.id = 2;
  alice.name = "alice";
  user_record bob;
  bob.id = 3;
  bob.name = "bob";
  user_record seven;
  seven.id = 7;
  seven.name = "seven";
  user_record mallory;
  mallory.id = 9;
  mallory.name = "mallory";
  auto& acl = spec.acl;
  BOOST_CHECK(acl_allows(acl, 1, &alice, acl_permission::read));
  BOOST_CHECK(!acl_allows(acl, 1, &alice, acl_permission::write));
  BOOST_CHECK(acl_allows(acl, 1, &bob, acl_permission::write));
  BOOST_CHECK(acl_allows(acl, 1, &seven, acl_permission::write_acp));
  BOOST_CHECK(!acl_allows(acl, 1, &mallory, acl_permission::read));
  BOOST_CHECK(!acl_allows(acl, 1, nullptr, acl_permission::read));
}

BOOST_AUTO_TEST_CASE(canned_acls_decide_anonymous_and_authenticated_reads) {
  user_record someone;
  someone.id = 5;
  acl_spec pub{"public-read", {}};
  acl_spec auth{"authenticated-read", {}};
  acl_spec priv{"private", {}};
  BOOST_CHECK(acl_allows(pub, 1, nullptr, acl_permission::read));
  BOOST_CHECK(!acl_allows(pub, 1, nullptr, acl_permission::write));
  BOOST_CHECK(!acl_allows(auth, 1, nullptr, acl_permission::read));
  BOOST_CHECK(acl_allows(auth, 1, &someone, acl_permission::read));
  BOOST_CHECK(!acl_allows(priv, 1, &someone, acl_permission::read));
  someone.id = 1;
  BOOST_CHECK(acl_allows(priv, 1, &someone, acl_permission::write));
}

BOOST_AUTO_TEST_CASE(bittorrent_sources_and_files) {
  task_spec spec;
  auto body = [](const std::string& url, const std::string& extra = {}) {
    return "{\"Url\":\"" + url + "\"," + cbs + extra + "}";
  };
  // Accepted, where the seed's 501 once was: .torrent URLs (any case,
  // query ignored) and magnets with a v1 (hex or base32) or v2 hash.
  for (auto url : {std::string{"http://h/movie.torrent"},
                   std::string{"https://h/a/Movie.TORRENT?sig=1#x"},
                   "magnet:?xt=urn:btih:" + std::string(40, 'A'),
                   "magnet:?xt=urn:btih:" + std::string(32, 'b')
                       + "&dn=movie&tr=http%3A%2F%2Ftracker%2Fannounce",
                   "magnet:?xt=urn:btmh:1220" + std::string(64, 'f')}) {
    BOOST_CHECK_MESSAGE(parse(body(url, ",\"Files\":[\"a.bin\",\"pack/b\"]"),
                              spec)
                            == ec::none,
                        url);
    BOOST_CHECK_EQUAL(spec.url, url);
    BOOST_CHECK_EQUAL(spec.files.size(), 2u);
    BOOST_CHECK(is_torrent(source_of(spec)));
  }
  // A magnet link without a usable hash is an InvalidURI, like any bad Url.
  for (auto url : {std::string{"magnet:?dn=movie"},
                   std::string{"magnet:?xt=urn:btih:"},
                   "magnet:?xt=urn:ed2k:" + std::string(32, 'a'),
                   "magnet:?xt=urn:btmh:1120" + std::string(64, 'f')}) {
    bool malformed = false;
    auto err = parse_offline_body(body(url), "b", spec, malformed);
    BOOST_CHECK_MESSAGE(code_of(err) == ec::invalid_uri, url);
    BOOST_CHECK_EQUAL(s3_code(code_of(err)), std::string{"InvalidURI"});
    BOOST_CHECK_EQUAL(s3_status(code_of(err)), 400u);
  }
  // Files: for BitTorrent sources only, and names the daemon could match.
  bool malformed = false;
  auto http = parse_offline_body(body("http://h/movie.mp4", ",\"Files\":[\"a\"]"),
                                 "b", spec, malformed);
  BOOST_CHECK(code_of(http) == ec::invalid_argument);
  BOOST_CHECK_NE(message_of(http).find("BitTorrent"), std::string::npos);
  for (auto files : {std::string{"[\"\"]"}, std::string{"[\"a\\u0000\"]"},
                     std::string{"[\"a\\u001fb\"]"}, std::string{"[1]"},
                     std::string{"\"a.bin\""},
                     "[\"" + std::string(1025, 'n') + "\"]"}) {
    auto err = parse_offline_body(
        body("http://h/m.torrent", ",\"Files\":" + files), "b", spec,
        malformed);
    BOOST_CHECK_MESSAGE(code_of(err) == ec::invalid_argument
                            && message_of(err).find("Files")
                                   != std::string::npos,
                        files.substr(0, 30) << " -> " << message_of(err));
  }
  BOOST_CHECK(parse(body("http://h/m.torrent",
                         ",\"Files\":[\"" + std::string(1024, 'n') + "\"]"),
                    spec)
              == ec::none);
}

BOOST_AUTO_TEST_SUITE_END()
