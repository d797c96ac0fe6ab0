#define BOOST_TEST_MODULE base
#include <boost/test/unit_test.hpp>

#include "base/base64.hpp"
#include "base/crypto.hpp"
#include "base/hex.hpp"
#include "base/http_date.hpp"
#include "base/percent.hpp"

#include <string>

using namespace skyhaul;

BOOST_AUTO_TEST_CASE(hex_round_trips_every_byte) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  auto text = to_hex(all);
  BOOST_CHECK_EQUAL(text.size(), 512u);
  BOOST_CHECK_EQUAL(text.substr(0, 6), "000102");
  BOOST_CHECK_EQUAL(text.substr(506), "fdfeff");
  BOOST_CHECK(from_hex(text) == all);
  BOOST_CHECK(from_hex("ABcd") == std::string("\xab\xcd"));
}

BOOST_AUTO_TEST_CASE(from_hex_refuses_what_is_not_hex) {
  BOOST_CHECK(!from_hex("abc"));
  BOOST_CHECK(!from_hex("zz"));
  BOOST_CHECK(!from_hex("0g"));
  BOOST_CHECK(from_hex("") == std::string{});
}

BOOST_AUTO_TEST_CASE(base64_matches_rfc_4648) {
  // RFC 4648, section 10.
  BOOST_CHECK_EQUAL(base64_encode(""), "");
  BOOST_CHECK_EQUAL(base64_encode("f"), "Zg==");
  BOOST_CHECK_EQUAL(base64_encode("fo"), "Zm8=");
  BOOST_CHECK_EQUAL(base64_encode("foo"), "Zm9v");
  BOOST_CHECK_EQUAL(base64_encode("foobar"), "Zm9vYmFy");
  BOOST_CHECK(base64_decode("Zm9vYg==") == std::string("foob"));
  BOOST_CHECK(!base64_decode("Zm9vYg="));
  BOOST_CHECK(!base64_decode("Zm9v!mFy"));
  BOOST_CHECK(!base64_decode("Zg==Zg=="));
}

BOOST_AUTO_TEST_CASE(percent_encoding_keeps_unreserved_only) {
  BOOST_CHECK_EQUAL(url_encode("a b/c~d"), "a%20b%2Fc~d");
  BOOST_CHECK_EQUAL(url_encode("a b/c", true), "a%20b/c");
  BOOST_CHECK_EQUAL(aws_uri_encode("\xc3\xa9*", false), "%C3%A9%2A");
  BOOST_CHECK_EQUAL(url_decode("a+b%2Fc%zz", true), "a b/c%zz");
  BOOST_CHECK_EQUAL(url_decode("a+b", false), "a+b");
}

BOOST_AUTO_TEST_CASE(http_dates_in_every_form) {
  BOOST_CHECK_EQUAL(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  BOOST_CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  BOOST_CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
  BOOST_CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
  BOOST_CHECK(parse_http_date("Sun, 06 Nov 1994 09:49:37 +0100") == 784111777);
  BOOST_CHECK(!parse_http_date(""));
  BOOST_CHECK(!parse_http_date("yesterday"));
  BOOST_CHECK_EQUAL(format_amz_date(784111777), "19941106T084937Z");
  BOOST_CHECK(parse_amz_date("19941106T084937Z") == 784111777);
  BOOST_CHECK(!parse_amz_date("19941306T084937Z"));
}

BOOST_AUTO_TEST_CASE(digests_and_macs_match_known_vectors) {
  BOOST_CHECK_EQUAL(
    sha256_hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_CHECK_EQUAL(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  // RFC 4231, test case 2.
  BOOST_CHECK_EQUAL(
    hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 2202, test case 2.
  BOOST_CHECK_EQUAL(to_hex(hmac_sha1("Jefe", "what do ya want for nothing?")),
                    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  BOOST_CHECK_EQUAL(hmac_sha256("k", "d").size(), 32u);
}

BOOST_AUTO_TEST_CASE(tokens_are_random_and_compared_in_constant_time) {
  auto a = random_hex(16);
  auto b = random_hex(16);
  BOOST_CHECK_EQUAL(a.size(), 32u);
  BOOST_CHECK_NE(a, b);
  BOOST_CHECK(from_hex(a).has_value());
  BOOST_CHECK(constant_time_equal(a, a));
  BOOST_CHECK(!constant_time_equal(a, b));
  BOOST_CHECK(!constant_time_equal("abc", "abcd"));
  BOOST_CHECK(constant_time_equal("", ""));
}
