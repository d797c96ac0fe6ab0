#define BOOST_TEST_MODULE http_sig
#include <boost/test/unit_test.hpp>

// AWS's published examples for Signature Version 4 ("Examples: Signature
// Calculations in AWS Signature Version 4", S3 API reference) and Version 2
// ("Signing and Authenticating REST Requests", the johnsmith examples),
// checked against both the signers and the verifier.

#include "http/message.hpp"
#include "http/s3_auth.hpp"
#include "http/services.hpp"
#include "base/sigv2.hpp"
#include "base/sigv4.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

#include <filesystem>
#include <memory>

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

const std::string access_key = "AKIAIOSFODNN7EXAMPLE";
const std::string secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const std::string empty_sha256
    = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// 2013-05-24T00:00:00Z, the time of every SigV4 example.
constexpr int64_t may_24_2013 = 1369353600;

/// A temporary LMDB holding the user of AWS's example keys.
struct example_user {
  std::string dir;
  std::unique_ptr<storage::lmdb_env> env;
  services svc;
  user_id id = 0;

  example_user() {
    char tmpl[] = "/tmp/skyhaul-sig-XXXXXX";
    dir = ::mkdtemp(tmpl);
    env = std::make_unique<storage::lmdb_env>(dir, 16 << 20);
    auto t = env->write();
    id = storage::next_user_id(t);
    auto u = storage::make_user(id, "example", false, 0);
    u.rec.access_key = access_key;
    u.rec.secret_key = secret_key;
    storage::put_user(t, u.rec);
    t.commit();
    svc.db = env.get();
  }

  ~example_user() {
    env.reset();
    std::filesystem::remove_all(dir);
  }

  /// A request as http/server.cpp builds it.
  static request make(std::string method, std::string target,
                      std::map<std::string, std::string> headers,
                      std::string body = {}) {
    request req;
    req.method = std::move(method);
    req.target = std::move(target);
    parse_target(req.target, req.path, req.query);
    req.headers = std::move(headers);
    req.body = std::move(body);
    return req;
  }

  s3_auth_result check(const request& req, int64_t now) {
    return authenticate_s3(svc, req, now);
  }
};

std::string v4_auth(const std::string& signed_headers,
                    const std::string& signature) {
  return "AWS4-HMAC-SHA256 Credential=" + access_key
         + "/20130524/us-east-1/s3/aws4_request,SignedHeaders=" + signed_headers
         + ",Signature=" + signature;
}

std::string
header_of(const std::vector<std::pair<std::string, std::string>>& hs,
          const std::string& name) {
  for (auto& [k, v] : hs)
    if (k == name)
      return v;
  return {};
}

/// The date of a V2 example as Unix seconds.
int64_t at(const std::string& http_date) {
  auto t = parse_http_date(http_date);
  BOOST_REQUIRE(t);
  return *t;
}

} // namespace

// -- Signature Version 4: the signer ----------------------------------------

BOOST_AUTO_TEST_CASE(v4_get_object_example) {
  std::map<std::string, std::string> hs{
      {"host", "examplebucket.s3.amazonaws.com"},
      {"range", "bytes=0-9"},
      {"x-amz-content-sha256", empty_sha256},
      {"x-amz-date", "20130524T000000Z"}};
  auto cr = sigv4_canonical_request(
      "GET", sigv4_canonical_uri("/test.txt"), sigv4_canonical_query(""), hs,
      {"host", "range", "x-amz-content-sha256", "x-amz-date"}, empty_sha256);
  BOOST_CHECK_EQUAL(
      payload_sha256(cr),
      "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  auto out = sigv4_sign(
      "GET", "/test.txt",
      {{"host", "examplebucket.s3.amazonaws.com"}, {"range", "bytes=0-9"}},
      empty_sha256, access_key, secret_key, "us-east-1", may_24_2013);
  BOOST_CHECK_EQUAL(
      header_of(out, "authorization"),
      v4_auth(
          "host;range;x-amz-content-sha256;x-amz-date",
          "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
  BOOST_CHECK_EQUAL(header_of(out, "x-amz-date"), "20130524T000000Z");
  BOOST_CHECK_EQUAL(header_of(out, "x-amz-content-sha256"), empty_sha256);
}

BOOST_AUTO_TEST_CASE(v4_put_object_example) {
  auto payload = payload_sha256("Welcome to Amazon S3.");
  BOOST_CHECK_EQUAL(
      payload,
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  auto out
      = sigv4_sign("PUT", "/test$file.text",
                   {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                    {"host", "examplebucket.s3.amazonaws.com"},
                    {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
                   payload, access_key, secret_key, "us-east-1", may_24_2013);
  BOOST_CHECK_EQUAL(
      header_of(out, "authorization"),
      v4_auth(
          "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
          "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"));
}

BOOST_AUTO_TEST_CASE(v4_bucket_examples_with_queries) {
  std::map<std::string, std::string> host{
      {"host", "examplebucket.s3.amazonaws.com"}};
  BOOST_CHECK_EQUAL(sigv4_canonical_query("lifecycle"), "lifecycle=");
  BOOST_CHECK_EQUAL(sigv4_canonical_query("prefix=J&max-keys=2"),
                    "max-keys=2&prefix=J");
  auto lifecycle = sigv4_sign("GET", "/?lifecycle", host, empty_sha256,
                              access_key, secret_key, "us-east-1", may_24_2013);
  BOOST_CHECK_EQUAL(
      header_of(lifecycle, "authorization"),
      v4_auth(
          "host;x-amz-content-sha256;x-amz-date",
          "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));
  auto list = sigv4_sign("GET", "/?max-keys=2&prefix=J", host, empty_sha256,
                         access_key, secret_key, "us-east-1", may_24_2013);
  BOOST_CHECK_EQUAL(
      header_of(list, "authorization"),
      v4_auth(
          "host;x-amz-content-sha256;x-amz-date",
          "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
}

BOOST_AUTO_TEST_CASE(v4_presigned_url_example) {
  auto q = sigv4_presign(
      "GET", "/test.txt", {{"host", "examplebucket.s3.amazonaws.com"}},
      access_key, secret_key, "us-east-1", may_24_2013, 86400);
  BOOST_CHECK_EQUAL(
      q,
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
      "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
      "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  BOOST_CHECK_THROW(sigv4_presign("GET", "/x", {{"host", "h"}}, access_key,
                                  secret_key, "us-east-1", may_24_2013, 604801),
                    std::invalid_argument);
  BOOST_CHECK_THROW(sigv4_sign("GET", "/x", {}, empty_sha256, access_key,
                               secret_key, "us-east-1", may_24_2013),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(v4_canonical_uri_is_encoded_once_and_not_normalised) {
  BOOST_CHECK_EQUAL(sigv4_canonical_uri("/test$file.text"),
                    "/test%24file.text");
  BOOST_CHECK_EQUAL(sigv4_canonical_uri("/b/a%20b%2Bc/./x//y/../z"),
                    "/b/a%20b%2Bc/./x//y/../z");
  BOOST_CHECK_EQUAL(sigv4_canonical_uri("/b/%C3%BC~%21"), "/b/%C3%BC~%21");
  BOOST_CHECK_EQUAL(sigv4_canonical_uri("/b/%2541"), "/b/%2541");
  BOOST_CHECK_EQUAL(sigv4_canonical_query("b=2&a=x%2Fy&a=1&c"),
                    "a=1&a=x%2Fy&b=2&c=");
  BOOST_CHECK_EQUAL(
      sigv4_canonical_query("X-Amz-Signature=ab&z=1", "X-Amz-Signature"),
      "z=1");
}

BOOST_AUTO_TEST_CASE(amz_dates_round_trip) {
  BOOST_CHECK_EQUAL(format_amz_date(may_24_2013), "20130524T000000Z");
  BOOST_CHECK_EQUAL(*parse_amz_date("20130524T000000Z"), may_24_2013);
  for (auto bad : {"", "20130524", "20130524T000000", "2013-05-24T00:00:00Z",
                   "20131324T000000Z", "2013052xT000000Z"})
    BOOST_CHECK_MESSAGE(!parse_amz_date(bad), bad);
}

// -- Signature Version 4: the verifier --------------------------------------

BOOST_FIXTURE_TEST_CASE(v4_examples_are_accepted, example_user) {
  auto get = make("GET", "/test.txt",
                  {{"host", "examplebucket.s3.amazonaws.com"},
                   {"range", "bytes=0-9"},
                   {"x-amz-content-sha256", empty_sha256},
                   {"x-amz-date", "20130524T000000Z"},
                   {"authorization",
                    v4_auth("host;range;x-amz-content-sha256;x-amz-date",
                            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48d"
                            "d91039c6036bdb41")}});
  auto r = check(get, may_24_2013 + 60);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.code << ": " << r.message);
  BOOST_CHECK_EQUAL(r.user->id, id);
  BOOST_CHECK(!r.anonymous);
  BOOST_CHECK_EQUAL(check(get, may_24_2013 + 16 * 60).code,
                    "RequestTimeTooSkewed");

  auto put = make(
      "PUT", "/test$file.text",
      {{"host", "examplebucket.s3.amazonaws.com"},
       {"date", "Fri, 24 May 2013 00:00:00 GMT"},
       {"x-amz-date", "20130524T000000Z"},
       {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
       {"x-amz-content-sha256",
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
       {"content-length", "21"},
       {"authorization",
        v4_auth("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108"
                "bd")}},
      "Welcome to Amazon S3.");
  r = check(put, may_24_2013);
  BOOST_CHECK_MESSAGE(r.ok(), r.code << ": " << r.message);
  put.body = "Welcome to Amazon S4.";
  r = check(put, may_24_2013);
  BOOST_CHECK_EQUAL(r.status, 400u);
  BOOST_CHECK_EQUAL(r.code, "XAmzContentSHA256Mismatch");

  auto list = make("GET", "/?max-keys=2&prefix=J",
                   {{"host", "examplebucket.s3.amazonaws.com"},
                    {"x-amz-content-sha256", empty_sha256},
                    {"x-amz-date", "20130524T000000Z"},
                    {"authorization",
                     v4_auth("host;x-amz-content-sha256;x-amz-date",
                             "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db667"
                             "0ed5711ef69dc6f7")}});
  BOOST_CHECK(check(list, may_24_2013).ok());
  list.target = "/?max-keys=3&prefix=J";
  parse_target(list.target, list.path, list.query);
  BOOST_CHECK_EQUAL(check(list, may_24_2013).code, "SignatureDoesNotMatch");
}

BOOST_FIXTURE_TEST_CASE(v4_presigned_example_until_it_expires, example_user) {
  auto req = make(
      "GET",
      "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
      "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-"
      "Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-"
      "Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f6"
      "04d404",
      {{"host", "examplebucket.s3.amazonaws.com"}});
  BOOST_CHECK(check(req, may_24_2013 + 86400).ok());
  auto r = check(req, may_24_2013 + 86401);
  BOOST_CHECK_EQUAL(r.status, 403u);
  BOOST_CHECK_EQUAL(r.code, "AccessDenied");
  BOOST_CHECK_EQUAL(check(req, may_24_2013 - 3600).code, "AccessDenied");
  req.headers["host"] = "otherbucket.s3.amazonaws.com";
  BOOST_CHECK_EQUAL(check(req, may_24_2013).code, "SignatureDoesNotMatch");
}

// -- Signature Version 2 ----------------------------------------------------

BOOST_AUTO_TEST_CASE(v2_rest_authentication_examples) {
  auto sign = [](std::string method, std::string md5, std::string type,
                 std::string date, std::string amz, std::string resource) {
    return sigv2_signature(
        secret_key,
        sigv2_string_to_sign(method, md5, type, date, amz, resource));
  };
  BOOST_CHECK_EQUAL(sign("GET", "", "", "Tue, 27 Mar 2007 19:36:42 +0000", "",
                         "/johnsmith/photos/puppy.jpg"),
                    "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
  BOOST_CHECK_EQUAL(sign("PUT", "", "image/jpeg",
                         "Tue, 27 Mar 2007 21:15:45 +0000", "",
                         "/johnsmith/photos/puppy.jpg"),
                    "MyyxeRY7whkBe+bq8fHCL/2kKUg=");
  auto list = sigv2_canonical_resource(
      "/johnsmith/", "prefix=photos&max-keys=50&marker=puppy");
  BOOST_CHECK_EQUAL(list, "/johnsmith/");
  BOOST_CHECK_EQUAL(
      sign("GET", "", "", "Tue, 27 Mar 2007 19:42:41 +0000", "", list),
      "htDYFYduRNen8P9ZfE/s9SuKy0U=");
  auto acl = sigv2_canonical_resource("/johnsmith/", "acl");
  BOOST_CHECK_EQUAL(acl, "/johnsmith/?acl");
  BOOST_CHECK_EQUAL(
      sign("GET", "", "", "Tue, 27 Mar 2007 19:44:46 +0000", "", acl),
      "c2WLPFtWHVgbEmeEG93a4cG37dM=");
  auto amz = sigv2_canonical_amz_headers(
      {{"X-Amz-Meta-ReviewedBy", "joe@johnsmith.net,jane@johnsmith.net"},
       {"x-amz-acl", " public-read"},
       {"X-Amz-Meta-FileChecksum", "0x02661779"},
       {"X-Amz-Meta-ChecksumAlgorithm", "crc32"},
       {"content-type", "application/x-download"}});
  BOOST_CHECK_EQUAL(amz, "x-amz-acl:public-read\n"
                         "x-amz-meta-checksumalgorithm:crc32\n"
                         "x-amz-meta-filechecksum:0x02661779\n"
                         "x-amz-meta-reviewedby:joe@johnsmith.net,"
                         "jane@johnsmith.net\n");
  BOOST_CHECK_EQUAL(sign("PUT",
                         "4gJE4saaMU4BqNR0kLY+lw==", "application/x-download",
                         "Tue, 27 Mar 2007 21:06:08 +0000", amz,
                         "/static.johnsmith.net/db-backup.dat.gz"),
                    "ilyl83RwaSoYIEdixDQcA4OnAnc=");
  BOOST_CHECK_EQUAL(sign("GET", "", "", "Wed, 28 Mar 2007 01:49:49 +0000", "",
                         "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re"),
                    "DNEZGsoieTZ92F3bUfSPQcbGmlM=");
  BOOST_CHECK_EQUAL(sigv2_presign("GET", "/johnsmith/photos/puppy.jpg",
                                  access_key, secret_key, 1175139620),
                    "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&"
                    "Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D");
}

BOOST_AUTO_TEST_CASE(v2_canonical_resource_keeps_subresources_sorted) {
  BOOST_CHECK_EQUAL(
      sigv2_canonical_resource("/b/k", "uploadId=a%2Bb&partNumber=2&x=1"),
      "/b/k?partNumber=2&uploadId=a+b");
  BOOST_CHECK_EQUAL(
      sigv2_canonical_resource("/b/k", "response-content-type=text%2Fplain&"
                                       "versionId=3&uploads"),
      "/b/k?response-content-type=text/plain&uploads&versionId=3");
  BOOST_CHECK_EQUAL(sigv2_canonical_resource("", ""), "/");
  BOOST_CHECK_EQUAL(sigv2_bucket_path("/bkt"), "/bkt/");
  BOOST_CHECK_EQUAL(sigv2_bucket_path("/bkt/"), "/bkt/");
  BOOST_CHECK_EQUAL(sigv2_bucket_path("/bkt/k"), "/bkt/k");
  BOOST_CHECK_EQUAL(sigv2_bucket_path("/"), "/");
}

BOOST_AUTO_TEST_CASE(http_dates_and_base64) {
  auto t = at("Tue, 27 Mar 2007 19:36:42 +0000");
  BOOST_CHECK_EQUAL(format_http_date(t), "Tue, 27 Mar 2007 19:36:42 GMT");
  BOOST_CHECK_EQUAL(at("Tue, 27 Mar 2007 19:36:42 GMT"), t);
  BOOST_CHECK_EQUAL(at("Tue, 27 Mar 2007 21:36:42 +0200"), t);
  BOOST_CHECK_EQUAL(at("Tuesday, 27-Mar-07 19:36:42 GMT"), t);
  BOOST_CHECK_EQUAL(at("Tue Mar 27 19:36:42 2007"), t);
  for (auto bad : {"", "yesterday", "Tue, 27 Foo 2007 19:36:42 GMT",
                   "Tue, 27 Mar 2007 19:36:42 CEST"})
    BOOST_CHECK_MESSAGE(!parse_http_date(bad), bad);
  BOOST_CHECK_EQUAL(base64_encode("hello"), "aGVsbG8=");
  BOOST_CHECK_EQUAL(*base64_decode("aGVsbG8="), "hello");
  BOOST_CHECK_EQUAL(*base64_decode(""), "");
  for (auto bad : {"aGVsbG8", "aGV=bG8=", "aGVsbG8*", "a==="})
    BOOST_CHECK_MESSAGE(!base64_decode(bad), bad);
}

BOOST_FIXTURE_TEST_CASE(v2_examples_are_accepted, example_user) {
  auto auth
      = [](const std::string& sig) { return "AWS " + access_key + ":" + sig; };
  auto get = make("GET", "/johnsmith/photos/puppy.jpg",
                  {{"host", "s3.amazonaws.com"},
                   {"date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                   {"authorization", auth("bWq2s1WEIj+Ydj0vQ697zp+IXMU=")}});
  auto now = at("Tue, 27 Mar 2007 19:36:42 +0000");
  auto r = check(get, now + 600);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.code << ": " << r.message);
  BOOST_CHECK_EQUAL(r.user->id, id);
  BOOST_CHECK_EQUAL(check(get, now + 901).code, "RequestTimeTooSkewed");
  get.headers["authorization"] = "AWS OTHERKEY:bWq2s1WEIj+Ydj0vQ697zp+IXMU=";
  BOOST_CHECK_EQUAL(check(get, now).code, "InvalidAccessKeyId");

  auto put = make("PUT", "/johnsmith/photos/puppy.jpg",
                  {{"host", "s3.amazonaws.com"},
                   {"content-type", "image/jpeg"},
                   {"content-length", "0"},
                   {"date", "Tue, 27 Mar 2007 21:15:45 +0000"},
                   {"authorization", auth("MyyxeRY7whkBe+bq8fHCL/2kKUg=")}});
  BOOST_CHECK(check(put, at("Tue, 27 Mar 2007 21:15:45 +0000")).ok());
  put.headers["content-type"] = "image/png";
  BOOST_CHECK_EQUAL(check(put, at("Tue, 27 Mar 2007 21:15:45 +0000")).code,
                    "SignatureDoesNotMatch");

  auto list = make("GET", "/johnsmith/?prefix=photos&max-keys=50&marker=puppy",
                   {{"date", "Tue, 27 Mar 2007 19:42:41 +0000"},
                    {"authorization", auth("htDYFYduRNen8P9ZfE/s9SuKy0U=")}});
  BOOST_CHECK(check(list, at("Tue, 27 Mar 2007 19:42:41 +0000")).ok());
  auto acl = make("GET", "/johnsmith/?acl",
                  {{"date", "Tue, 27 Mar 2007 19:44:46 +0000"},
                   {"authorization", auth("c2WLPFtWHVgbEmeEG93a4cG37dM=")}});
  BOOST_CHECK(check(acl, at("Tue, 27 Mar 2007 19:44:46 +0000")).ok());
  // The DELETE example signs x-amz-date's value as the Date line.
  auto del = make("DELETE", "/johnsmith/photos/puppy.jpg",
                  {{"date", "Tue, 27 Mar 2007 21:20:27 +0000"},
                   {"x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"},
                   {"authorization", auth("lx3byBScXR6KzyMaifNkardMwNk=")}});
  BOOST_CHECK(check(del, at("Tue, 27 Mar 2007 21:20:26 +0000")).ok());
  auto unicode
      = make("GET", "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
             {{"date", "Wed, 28 Mar 2007 01:49:49 +0000"},
              {"authorization", auth("DNEZGsoieTZ92F3bUfSPQcbGmlM=")}});
  BOOST_CHECK(check(unicode, at("Wed, 28 Mar 2007 01:49:49 +0000")).ok());
  // The upload example's signature holds; its Content-MD5 is of a body
  // this test does not have.
  auto upload
      = make("PUT", "/static.johnsmith.net/db-backup.dat.gz",
             {{"date", "Tue, 27 Mar 2007 21:06:08 +0000"},
              {"x-amz-acl", "public-read"},
              {"content-type", "application/x-download"},
              {"content-md5", "4gJE4saaMU4BqNR0kLY+lw=="},
              {"x-amz-meta-reviewedby", "joe@johnsmith.net,jane@johnsmith.net"},
              {"x-amz-meta-filechecksum", "0x02661779"},
              {"x-amz-meta-checksumalgorithm", "crc32"},
              {"content-length", "5913339"},
              {"authorization", auth("ilyl83RwaSoYIEdixDQcA4OnAnc=")}},
             "not the database");
  r = check(upload, at("Tue, 27 Mar 2007 21:06:08 +0000"));
  BOOST_CHECK_EQUAL(r.code, "BadDigest");
  BOOST_CHECK_EQUAL(r.status, 400u);
}

BOOST_FIXTURE_TEST_CASE(v2_query_example_until_it_expires, example_user) {
  auto req = make("GET",
                  "/johnsmith/photos/puppy.jpg?AWSAccessKeyId="
                  "AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsS"
                  "n8%3D&Expires=1175139620",
                  {{"host", "s3.amazonaws.com"}});
  BOOST_CHECK(check(req, 1175139620 - 3600 * 24 * 365).ok());
  BOOST_CHECK(check(req, 1175139620).ok());
  auto r = check(req, 1175139621);
  BOOST_CHECK_EQUAL(r.status, 403u);
  BOOST_CHECK_EQUAL(r.code, "AccessDenied");
  // An unencoded '+' arrives as a space and still verifies.
  req = make("GET",
             "/johnsmith/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"
             "&Signature=NpgCjnDzrM+WFzoENXmpNDUsSn8=&Expires=1175139620",
             {});
  BOOST_CHECK(check(req, 1175139620).ok());
  req = make("GET",
             "/johnsmith/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7"
             "EXAMPLE&Signature=x",
             {});
  BOOST_CHECK_EQUAL(check(req, 1175139620).code, "AccessDenied");
}

// -- What the verifier refuses before any signature -------------------------

BOOST_FIXTURE_TEST_CASE(malformed_and_missing_credentials, example_user) {
  auto now = may_24_2013;
  auto amz = format_amz_date(now);
  auto with_auth = [&](std::string auth) {
    return make("GET", "/b/k",
                {{"host", "h"}, {"x-amz-date", amz}, {"authorization", auth}});
  };
  auto anon = check(make("GET", "/b/k", {{"host", "h"}}), now);
  BOOST_CHECK(anon.anonymous);
  BOOST_CHECK(!anon.ok());
  struct bad_case {
    std::string auth;
    const char* code;
  };
  for (
      auto& c : std::vector<bad_case>{
          {"Bearer abc", "InvalidArgument"},
          {"AWS nocolon", "InvalidArgument"},
          {"AWS :sig", "InvalidArgument"},
          {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request",
           "AuthorizationHeaderMalformed"},
          {"AWS4-HMAC-SHA256 Credential=AK/20130524/s3/aws4_request, "
           "SignedHeaders=host, Signature=ab",
           "AuthorizationHeaderMalformed"},
          {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/ec2/aws4_request,"
           "SignedHeaders=host,Signature=ab",
           "AuthorizationHeaderMalformed"},
          {"AWS4-HMAC-SHA256 Credential=AK/20130523/us-east-1/s3/aws4_request,"
           "SignedHeaders=host,Signature=ab",
           "AuthorizationHeaderMalformed"},
          {"AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,"
           "SignedHeaders=host;;x,Signature=ab",
           "AuthorizationHeaderMalformed"},
          {"AWS4-HMAC-SHA256 Credential=AK/20130524/any-region/s3/aws4_request,"
           "SignedHeaders=host;x-amz-date,Signature=ab",
           "InvalidAccessKeyId"},
      }) {
    auto r = check(with_auth(c.auth), now);
    BOOST_CHECK_MESSAGE(!r.ok() && r.code == c.code,
                        c.auth << " -> " << r.code << ": " << r.message);
    BOOST_CHECK(r.status == 400 || r.status == 403);
  }
  auto no_date = make("GET", "/b/k", {{"authorization", "AWS AK:sig"}});
  BOOST_CHECK_EQUAL(check(no_date, now).code, "AccessDenied");
  auto both = make("GET", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256",
                   {{"authorization", "AWS AK:sig"}});
  BOOST_CHECK_EQUAL(check(both, now).code, "InvalidArgument");
  auto long_presign = make(
      "GET",
      "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20130524%2F"
      "r%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=604801&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature=ab",
      {{"host", "h"}});
  BOOST_CHECK_EQUAL(check(long_presign, now).code,
                    "AuthorizationQueryParametersError");
  auto error = s3_auth_error(check(no_date, now), no_date);
  BOOST_CHECK_EQUAL(error.status, 403u);
  BOOST_CHECK_EQUAL(error.content_type, "application/xml");
  BOOST_CHECK(error.body.find("<Code>AccessDenied</Code>")
              != std::string::npos);
  BOOST_CHECK(error.body.find("<Resource>/b/k</Resource>")
              != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(framing_and_digests_apply_to_anyone, example_user) {
  auto chunked
      = make("PUT", "/b/k", {{"transfer-encoding", "chunked"}}, "data");
  auto r = check(chunked, may_24_2013);
  BOOST_CHECK_EQUAL(r.status, 411u);
  BOOST_CHECK_EQUAL(r.code, "MissingContentLength");
  BOOST_CHECK(!r.anonymous);
  BOOST_CHECK(check(make("GET", "/b/k", {}, ""), may_24_2013).anonymous);
  auto md5 = make("PUT", "/b/k",
                  {{"content-length", "5"},
                   {"content-md5", base64_encode(std::string(16, 'x'))}},
                  "hello");
  BOOST_CHECK_EQUAL(check(md5, may_24_2013).code, "BadDigest");
  md5.headers["content-md5"] = "XUFAKrxLKna5cZ2REBfFkg==";
  BOOST_CHECK(check(md5, may_24_2013).anonymous);
  md5.headers["content-md5"] = "hello";
  BOOST_CHECK_EQUAL(check(md5, may_24_2013).code, "InvalidDigest");
}
