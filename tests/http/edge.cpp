#define BOOST_TEST_MODULE http_edge
#include <boost/test/unit_test.hpp>

// The edge checks and parsers of http/, without a server.

#include <ctime>

#include <rapidjson/document.h>

#include "http/auth.hpp"
#include "http/download.hpp"
#include "protocol/object_key.hpp"
#include "base/base64.hpp"
#include "base/http_date.hpp"
#include "http/services.hpp"
#include "http/task_body.hpp"
#include "http/task_json.hpp"
#include "http/validate.hpp"
#include "protocol/error.hpp"
#include "protocol/source.hpp"

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

/// A JSON `POST /task` body through the face's entry point, with the
/// default torrent limit.
caf::error parse_json_task(const std::string& body, user_id uid,
                           task_spec& spec) {
  return parse_task_request(body, "application/json", uid,
                            settings{}.bt_max_torrent_size, spec);
}

} // namespace

BOOST_AUTO_TEST_CASE(object_keys_cannot_leave_their_bucket) {
  BOOST_CHECK(!check_object_key("movies/2016/a.mp4"));
  BOOST_CHECK(!check_object_key("a"));
  BOOST_CHECK(!check_object_key("dir/..hidden/x.."));
  BOOST_CHECK(!check_object_key("\xE2\x82\xAC.txt"));
  for (auto bad : {"", "/abs", "a//b", "../x", "a/../b", "a/./b", "a/..",
                   ".", "a\\b", "a\nb", "a\x7f", "\xff\xfe",
                   "\xC0\xAF", // overlong '/'
                   "\xED\xA0\x80"}) // surrogate
    BOOST_CHECK_MESSAGE(check_object_key(bad), "accepted: " << bad);
  BOOST_CHECK(check_object_key(std::string("a\0b", 3)));
  BOOST_CHECK(check_object_key(std::string(1025, 'a')));
  BOOST_CHECK(!check_object_key(std::string(1024, 'a')));
}

BOOST_AUTO_TEST_CASE(bucket_names_follow_s3_rules) {
  for (auto ok : {"abc", "my-bucket", "my.bucket.1", "user-12", "a1b"})
    BOOST_CHECK_MESSAGE(valid_bucket_name(ok), ok);
  for (auto bad : {"ab", "ABC", "-abc", "abc-", "a..b", "a_b", "192.168.1.1",
                   "abc/d", ""})
    BOOST_CHECK_MESSAGE(!valid_bucket_name(bad), bad);
  BOOST_CHECK(!valid_bucket_name(std::string(64, 'a')));
}

BOOST_AUTO_TEST_CASE(urls_must_be_http_with_a_host) {
  BOOST_CHECK(!check_http_url("http://example.com/a"));
  BOOST_CHECK(!check_http_url("HTTPS://example.com"));
  BOOST_CHECK(!check_http_url("http://user@host:8080/x?y#z"));
  BOOST_CHECK(!check_http_url("http://[::1]:8080/x"));
  BOOST_CHECK(!check_http_url("http://h/\xC3\xA9t\xC3\xA9.txt"));
  for (auto bad : {"", "example.com/a", "ftp://x/y", "file:///etc/passwd",
                   "magnet:?xt=urn:btih:abc", "http:///path", "http://:80/",
                   "http://a b/", "gopher://x", "http:/x", "http:x",
                   "http://h:99999/", "http://h:8a/", "http://[::1/",
                   "http://h\x01/", "://x", "http://a<b/"})
    BOOST_CHECK_MESSAGE(check_http_url(bad), "accepted: " << bad);
  BOOST_CHECK(check_http_url("magnet:?xt=urn:btih:abc")->find(
                "unsupported scheme")
              != std::string::npos);
  BOOST_CHECK(check_http_url("http://x/" + std::string(9000, 'a')));
}

BOOST_AUTO_TEST_CASE(hex_digests_are_normalised) {
  std::string crc = "ABC";
  BOOST_CHECK(normalise_hex(crc, 8));
  BOOST_CHECK_EQUAL(crc, "00000abc");
  std::string md5(32, 'F');
  BOOST_CHECK(normalise_hex(md5, 32));
  BOOST_CHECK_EQUAL(md5, std::string(32, 'f'));
  std::string short_md5(31, 'a');
  BOOST_CHECK(!normalise_hex(short_md5, 32));
  std::string not_hex = "xyz";
  BOOST_CHECK(!normalise_hex(not_hex, 8));
  std::string long_crc = "123456789";
  BOOST_CHECK(!normalise_hex(long_crc, 8));
}

BOOST_AUTO_TEST_CASE(task_bodies_are_validated) {
  task_spec spec;
  auto ok = parse_json_task(
    R"({"url":"http://h/f.torrent","bucket":"isos","key":"a/f.iso",
        "md5":"0123456789ABCDEF0123456789abcdef","crc32":"1F",
        "sha1":"0123456789ABCDEF0123456789abcdef01234567",
        "size":10,"on_key_exist":"ignore-same-md5","paused":true,
        "files":["a"],"success_callback_url":"https://cb/x"})",
    7, spec);
  BOOST_REQUIRE_MESSAGE(!ok, message_of(ok));
  BOOST_CHECK_EQUAL(spec.md5, "0123456789abcdef0123456789abcdef");
  BOOST_CHECK_EQUAL(spec.sha1, "0123456789abcdef0123456789abcdef01234567");
  BOOST_CHECK_EQUAL(spec.crc32, "0000001f");
  BOOST_CHECK(spec.rule == on_key_exist::ignore_same_md5);
  BOOST_CHECK(spec.start_paused);
  BOOST_CHECK_EQUAL(spec.size, 10);
  BOOST_CHECK_EQUAL(spec.bucket, "isos");
  BOOST_CHECK_EQUAL(spec.key, "a/f.iso");
  BOOST_CHECK(spec.origin == face::task_api);
  BOOST_REQUIRE(!parse_json_task(R"({"url":"http://h/f"})", 7, spec));
  BOOST_CHECK_EQUAL(spec.bucket, "user-7");
  BOOST_CHECK(spec.rule == on_key_exist::override_);
  BOOST_CHECK_EQUAL(spec.size, -1);
  BOOST_CHECK(!spec.start_paused);
  struct bad_case {
    std::string body;
    const char* says;
    ec code;
  };
  auto long_url = R"({"url":"http://h/)" + std::string(8200, 'a') + "\"}";
  auto long_key = R"({"url":"http://h/f","key":")" + std::string(1025, 'k')
                  + "\"}";
  auto arg = ec::invalid_argument;
  auto uri = ec::invalid_uri;
  for (auto& c : {
         bad_case{"", "JSON", arg},
         bad_case{"{", "JSON", arg},
         bad_case{"[1]", "object", arg},
         bad_case{"\"url\"", "object", arg},
         bad_case{R"({"url":"http://h/f","x":1})", "unknown field: x", arg},
         bad_case{R"({"url":"http://h/f","url":"http://h/g"})", "duplicate",
                  arg},
         bad_case{R"({"url":1})", "url", arg},
         bad_case{R"({"url":null})", "url", arg},
         bad_case{R"({"bucket":"abc"})", "url", arg},
         bad_case{R"({"url":"magnet:?xt=urn:btih:00"})", "info-hash", uri},
         bad_case{R"({"url":"magnet:?dn=x"})", "info-hash", uri},
         bad_case{R"({"url":"http://h/f","files":["a"]})", "BitTorrent", arg},
         bad_case{R"({"torrent":"@@@"})", "base64", arg},
         bad_case{R"({"torrent":"ZGU=","url":"http://h/f.torrent"})",
                  "not both", arg},
         bad_case{R"({"url":"gopher://h/f"})", "unsupported scheme", uri},
         bad_case{R"({"url":"http:///f"})", "host", uri},
         bad_case{long_url, "longer than 8192", uri},
         bad_case{R"({"url":"http://h/f","size":-1})", "size", arg},
         bad_case{R"({"url":"http://h/f","size":"1"})", "size", arg},
         bad_case{R"({"url":"http://h/f","size":1.5})", "size", arg},
         bad_case{R"({"url":"http://h/f","paused":"yes"})", "paused", arg},
         bad_case{R"({"url":"http://h/f","key":"/etc"})", "key", arg},
         bad_case{R"({"url":"http://h/f","key":"a/../../b"})", "key", arg},
         bad_case{long_key, "key", arg},
         bad_case{R"({"url":"http://h/f","key":"a\u0001b"})", "control",
                  arg},
         bad_case{R"({"url":"http://h/f","key":7})", "key", arg},
         bad_case{R"({"url":"http://h/f","target":"../up"})", "target", arg},
         bad_case{R"({"url":"http://h/f","bucket":"No"})", "bucket", arg},
         bad_case{R"({"url":"http://h/f","bucket":"10.0.0.1"})", "bucket",
                  arg},
         bad_case{R"({"url":"http://h/f","md5":"xyz"})", "md5", arg},
         bad_case{R"({"url":"http://h/f","sha1":"12"})", "sha1", arg},
         bad_case{R"({"url":"http://h/f","crc32":"123456789"})", "crc32", arg},
         bad_case{R"({"url":"http://h/f","on_key_exist":"x"})", "on_key_exist",
                  arg},
         bad_case{R"({"url":"http://h/f","failure_callback_url":"x"})",
                  "callback", uri},
         bad_case{R"({"url":"http://h/f","success_callback_url":"file:///x"})",
                  "callback", uri},
         bad_case{R"({"url":"http://h/f","files":[1]})", "files", arg}}) {
    auto err = parse_json_task(c.body, 1, spec);
    BOOST_CHECK_MESSAGE(err && message_of(err).find(c.says) != std::string::npos,
                        c.body.substr(0, 80) << " -> "
                                             << (err ? message_of(err)
                                                     : "accepted"));
    BOOST_CHECK_MESSAGE(code_of(err) == c.code,
                        c.body.substr(0, 80) << " -> " << to_string(code_of(err)));
    BOOST_CHECK_EQUAL(http_status(code_of(err)), 400u);
  }
  // Every on_key_exist word of seed 000 is accepted.
  for (auto w : {"override", "ignore", "ignore-same-md5", "ignore-same-sha1",
                 "ignore-same-crc32", "ignore-same-checksum",
                 "ignore-same-size"})
    BOOST_CHECK_MESSAGE(!parse_json_task(std::string{R"({"url":"http://h/f","on_key_exist":")"}
                                           + w + "\"}",
                                         1, spec),
                        w);
}

BOOST_AUTO_TEST_CASE(ranges_are_parsed_like_http_says) {
  bool unsat = false;
  auto r = parse_range("bytes=10-19", 100, unsat);
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(r->first, 10u);
  BOOST_CHECK_EQUAL(r->second, 19u);
  r = parse_range("bytes=90-", 100, unsat);
  BOOST_CHECK_EQUAL(r->second, 99u);
  r = parse_range("bytes=-5", 100, unsat);
  BOOST_CHECK_EQUAL(r->first, 95u);
  r = parse_range("bytes=50-1000", 100, unsat);
  BOOST_CHECK_EQUAL(r->second, 99u);
  BOOST_CHECK(!parse_range("bytes=100-", 100, unsat));
  BOOST_CHECK(unsat);
  BOOST_CHECK(!parse_range("bytes=1-2,5-6", 100, unsat));
  BOOST_CHECK(!unsat);
  BOOST_CHECK(!parse_range("items=1-2", 100, unsat));
  BOOST_CHECK(!parse_range("bytes=5-1", 100, unsat));
  BOOST_CHECK(!parse_range("bytes=x-1", 100, unsat));
  BOOST_CHECK(!parse_range("bytes=-0", 100, unsat));
  BOOST_CHECK(unsat);
  BOOST_CHECK(!parse_range("bytes=0-", 0, unsat));
  BOOST_CHECK(unsat);
  r = parse_range("bytes=-500", 100, unsat);
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(r->first, 0u);
  BOOST_CHECK_EQUAL(r->second, 99u);
  BOOST_CHECK_EQUAL(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

BOOST_AUTO_TEST_CASE(if_none_match_uses_weak_comparison) {
  BOOST_CHECK(etag_matches("\"abc\"", "\"abc\""));
  BOOST_CHECK(etag_matches("W/\"abc\"", "\"abc\""));
  BOOST_CHECK(etag_matches("\"x\", \"abc\"", "\"abc\""));
  BOOST_CHECK(etag_matches("*", "\"abc\""));
  BOOST_CHECK(!etag_matches("\"abd\"", "\"abc\""));
  BOOST_CHECK(!etag_matches("abc", "\"abc\""));
  BOOST_CHECK(!etag_matches(" , ", "\"abc\""));
}

BOOST_AUTO_TEST_CASE(signed_links_expire_and_resist_tampering) {
  settings cfg;
  cfg.link_ttl_s = 60;
  services svc;
  svc.cfg = &cfg;
  svc.link_secret = "secret";
  auto tid = format_tid(5);
  auto link = signed_link(svc, tid, "a b.bin");
  BOOST_CHECK(link.find("/download/" + tid + "/a%20b.bin?expires=") == 0);
  auto exp = link.substr(link.find("expires=") + 8);
  exp = exp.substr(0, exp.find('&'));
  auto sig = link.substr(link.find("signature=") + 10);
  BOOST_CHECK(verify_link(svc, tid, "a b.bin", exp, sig));
  BOOST_CHECK(!verify_link(svc, tid, "a b.bim", exp, sig));
  BOOST_CHECK(!verify_link(svc, format_tid(6), "a b.bin", exp, sig));
  BOOST_CHECK(!verify_link(svc, tid, "a b.bin", exp + "0", sig));
  auto old = std::to_string(std::time(nullptr) - 10);
  BOOST_CHECK(!verify_link(svc, tid, "x", old, link_signature(svc, tid, "x",
                                                              std::stoll(old))));
  svc.link_secret = "other";
  BOOST_CHECK(!verify_link(svc, tid, "a b.bin", exp, sig));
}

namespace {

const std::string form_type = "multipart/form-data; boundary=XyZ";

/// A multipart body of `parts` (name, content) with boundary XyZ.
std::string form(const std::vector<std::pair<std::string, std::string>>& parts) {
  std::string out;
  for (auto& [name, content] : parts)
    out += "--XyZ\r\nContent-Disposition: form-data; name=\"" + name
           + "\"; filename=\"x.torrent\"\r\n\r\n" + content + "\r\n";
  return out + "--XyZ--\r\n";
}

ec code_of_request(const std::string& body, const std::string& type,
                   uint64_t max_torrent = 1000) {
  task_spec spec;
  return code_of(parse_task_request(body, type, 1, max_torrent, spec));
}

std::string message_of_request(const std::string& body,
                               const std::string& type,
                               uint64_t max_torrent = 1000) {
  task_spec spec;
  return message_of(parse_task_request(body, type, 1, max_torrent, spec));
}

} // namespace

BOOST_AUTO_TEST_CASE(torrent_urls_and_magnets) {
  task_spec spec;
  auto magnet = std::string{"magnet:?xt=urn:btih:"} + std::string(40, 'c');
  BOOST_REQUIRE(!parse_json_task(R"({"url":")" + magnet
                                     + R"(","files":["a.bin","pack/b.bin"]})",
                                 1, spec));
  BOOST_CHECK_EQUAL(spec.url, magnet);
  BOOST_CHECK_EQUAL(spec.files.size(), 2u);
  BOOST_CHECK(spec.torrent.empty());
  // base32 hashes, v2 hashes and an upper-case scheme are magnets too.
  for (auto ok : {std::string{"MAGNET:?xt=urn:btih:"} + std::string(40, 'C'),
                  "magnet:?dn=x&xt=urn:btih:" + std::string(32, 'A')
                      + "&tr=http%3A%2F%2Ft%2Fa",
                  "magnet:?xt=urn:btmh:1220" + std::string(64, 'e')})
    BOOST_CHECK_MESSAGE(!parse_json_task(R"({"url":")" + ok + R"("})", 1, spec),
                        ok);
  BOOST_REQUIRE(!parse_json_task(R"({"url":"https://h/x/pack.torrent?s=1",
                                     "files":["a.bin"]})",
                                 1, spec));
  BOOST_CHECK_EQUAL(spec.files.size(), 1u);
  // No usable hash, or a scheme that is neither http(s) nor magnet.
  for (auto bad : {std::string{"magnet:?dn=x"}, std::string{"magnet:"},
                   std::string{"magnet:?xt=urn:btih:1234"},
                   "magnet:?xt=urn:btih:" + std::string(39, 'c'),
                   "magnet:?xt=urn:sha1:" + std::string(40, 'c'),
                   "magnet:xt=urn:btih:" + std::string(40, 'c'),
                   std::string{"gopher://h/a.torrent"},
                   std::string{"file:///a.torrent"}}) {
    auto err = parse_json_task(R"({"url":")" + bad + R"("})", 1, spec);
    BOOST_CHECK_MESSAGE(code_of(err) == ec::invalid_uri,
                        bad << " -> " << to_string(code_of(err)));
  }
  auto long_magnet = "magnet:?xt=urn:btih:" + std::string(40, 'c') + "&dn="
                     + std::string(8200, 'n');
  BOOST_CHECK(code_of(parse_json_task(R"({"url":")" + long_magnet + R"("})",
                                      1, spec))
              == ec::invalid_uri);
}

BOOST_AUTO_TEST_CASE(files_name_torrent_files_only) {
  task_spec spec;
  auto with = [&](const std::string& url, const std::string& files) {
    return parse_json_task(R"({"url":")" + url + R"(","files":)" + files + "}",
                           1, spec);
  };
  auto torrent = std::string{"http://h/p.torrent"};
  BOOST_CHECK(!with(torrent, R"(["a.bin","pack/sub/b.bin","\u00e9t\u00e9"])"));
  BOOST_CHECK(!with(torrent, "[\"" + std::string(1024, 'n') + "\"]"));
  BOOST_CHECK(!with(torrent, "[]"));
  // HTTP sources have no files to choose.
  auto http_err = with("http://h/p.bin", R"(["a.bin"])");
  BOOST_CHECK(code_of(http_err) == ec::invalid_argument);
  BOOST_CHECK_NE(message_of(http_err).find("BitTorrent"), std::string::npos);
  for (auto bad : {std::string{R"([""])"}, std::string{R"(["a\u0000b"])"},
                   std::string{R"(["a\nb"])"}, std::string{R"(["a\u007f"])"},
                   std::string{R"(["ok","\t"])"},
                   "[\"" + std::string(1025, 'n') + "\"]",
                   std::string{"[\"bad\xff\xfe\"]"}, std::string{R"("a")"},
                   std::string{R"([["a"]])"}, std::string{R"({"a":1})"}}) {
    auto err = with(torrent, bad);
    BOOST_CHECK_MESSAGE(code_of(err) == ec::invalid_argument
                            && message_of(err).find("files")
                                   != std::string::npos,
                        bad.substr(0, 40) << " -> " << message_of(err));
  }
  std::string many = "[";
  for (size_t i = 0; i <= max_wanted_files; ++i)
    many += (i ? ",\"f" : "\"f") + std::to_string(i) + "\"";
  BOOST_CHECK(code_of(with(torrent, many + "]")) == ec::invalid_argument);
}

BOOST_AUTO_TEST_CASE(base64_uploads) {
  task_spec spec;
  // Padded, unpadded, wrapped in lines: the same bytes.
  for (auto b64 : {"ZDQ6aW5mb2RlZQ==", "ZDQ6aW5mb2RlZQ", "ZDQ6aW5m\\nb2RlZQ=",
                   "ZDQ6 aW5m\\r\\nb2Rl\\tZQ=="}) {
    auto err = parse_task_request(std::string{R"({"torrent":")"} + b64
                                      + R"(","target":"m"})",
                                  "application/json", 1, 1000, spec);
    BOOST_REQUIRE_MESSAGE(!err, b64 << " -> " << message_of(err));
    BOOST_CHECK_EQUAL(spec.torrent, "d4:infodee");
    BOOST_CHECK(spec.url.empty());
    BOOST_CHECK_EQUAL(spec.target, "m");
    BOOST_CHECK(source_of(spec) == source_kind::torrent_file);
  }
  // 22 characters unpadded: 2, 3 and 0 left over all decode.
  BOOST_CHECK(!parse_task_request(R"({"torrent":"ZDQ6aW5mb2Q0Om5hbWU0OnBhY2tlZQ"})",
                                  "application/json", 1, 1000, spec));
  BOOST_CHECK_EQUAL(spec.torrent, "d4:infod4:name4:packee");
  struct bad_case {
    std::string b64;
    const char* says;
  };
  for (auto& c : {bad_case{"@@@@", "base64"},
                  bad_case{"ZDQ6aW5mb2RlZQ-_", "base64"}, // URL-safe alphabet
                  bad_case{"ZD=6aW5mb2RlZQ==", "base64"}, // '=' inside
                  bad_case{"ZDQ6aW5mb2RlZ", "base64"},    // 1 left over
                  bad_case{"ZDQ6aW5mb2RlZQ===", "base64"},
                  bad_case{"", "empty"},
                  bad_case{"\\n", "empty"}}) {
    auto err = parse_task_request(R"({"torrent":")" + c.b64 + "\"}",
                                  "application/json", 1, 1000, spec);
    BOOST_CHECK_MESSAGE(code_of(err) == ec::invalid_argument
                            && message_of(err).find(c.says)
                                   != std::string::npos,
                        c.b64 << " -> " << message_of(err));
  }
  BOOST_CHECK(code_of_request(R"({"torrent":7})", "application/json")
              == ec::invalid_argument);
  // Exactly one source.
  BOOST_CHECK_NE(message_of_request(R"({"torrent":"ZDQ6aW5mb2RlZQ==",
                                        "url":"http://h/f.torrent"})",
                                    "application/json")
                     .find("not both"),
                 std::string::npos);
  BOOST_CHECK_NE(message_of_request(R"({"target":"m"})", "application/json")
                     .find("required"),
                 std::string::npos);
}

BOOST_AUTO_TEST_CASE(uploads_are_limited_in_size) {
  task_spec spec;
  // A bencoded dictionary of exactly `n` bytes: d1:a<len>:xxx...e
  auto dict_of_size = [](size_t n) {
    std::string d;
    for (size_t digits = 1; digits < 20 && d.empty(); ++digits)
      if (auto len = n - 6 - digits; std::to_string(len).size() == digits)
        d = "d1:a" + std::to_string(len) + ":" + std::string(len, 'x') + "e";
    BOOST_REQUIRE_EQUAL(d.size(), n);
    return d;
  };
  auto json = [](const std::string& bytes) {
    return R"({"torrent":")" + base64_encode(bytes) + "\"}";
  };
  // Every remainder of the base64 length: exactly the limit passes, one
  // byte more is 413, in JSON and in multipart.
  for (size_t limit : {99u, 100u, 101u, 4096u}) {
    auto exact = dict_of_size(limit);
    auto over = dict_of_size(limit + 1);
    BOOST_REQUIRE(!check_bencoded_dict(exact) && !check_bencoded_dict(over));
    auto err = parse_task_request(json(exact), "application/json", 1, limit,
                                  spec);
    BOOST_CHECK_MESSAGE(!err, limit << ": " << message_of(err));
    BOOST_CHECK_EQUAL(spec.torrent, exact);
    err = parse_task_request(json(over), "application/json", 1, limit, spec);
    BOOST_CHECK(code_of(err) == ec::too_large);
    BOOST_CHECK_EQUAL(http_status(code_of(err)), 413u);
    BOOST_CHECK(!parse_task_request(form({{"torrent", exact}}), form_type, 1,
                                    limit, spec));
    BOOST_CHECK_EQUAL(spec.torrent, exact);
    BOOST_CHECK(code_of_request(form({{"torrent", over}}), form_type, limit)
                == ec::too_large);
  }
  // Far too large base64 is refused before it is decoded, even if broken.
  BOOST_CHECK(code_of_request(R"({"torrent":")" + std::string(2000, '@') + "\"}",
                              "application/json", 1000)
              == ec::too_large);
  // A body that carries no torrent has the smaller limit, whatever else is
  // wrong with it; one that does is measured by the torrent's limit.
  auto plain = R"({"url":"http://h/f","target":")" + std::string(300, 'a')
               + "\"}";
  BOOST_CHECK(code_of(parse_task_request(plain, "application/json", 1, 1000,
                                         spec, 200))
              == ec::too_large);
  BOOST_CHECK(code_of(parse_task_request(R"({"url":")" + std::string(300, 'a')
                                           + "\"}",
                                         "", 1, 1000, spec, 200))
              == ec::too_large);
  BOOST_CHECK(!parse_task_request(plain, "application/json", 1, 1000, spec,
                                  400));
  auto upload = dict_of_size(300);
  BOOST_CHECK(!parse_task_request(json(upload), "application/json", 1, 1000,
                                  spec, 200));
  BOOST_CHECK(!parse_task_request(form({{"torrent", upload}}), form_type, 1,
                                  1000, spec, 200));
  // The route's upload limit leaves room for base64 and the other fields,
  // and never falls below the listener's.
  auto rule = task_upload_rule(16 << 20);
  BOOST_CHECK_EQUAL(body_limit(rule, 1 << 20, true, true),
                    (uint64_t{16 << 20} + 2) / 3 * 4 + (64 << 10));
  BOOST_CHECK_GE(body_limit(rule, 1 << 20, true, true),
                 json(std::string(16 << 20, 'd')).size() + (60 << 10));
  BOOST_CHECK_EQUAL(body_limit(task_upload_rule(1000), 1 << 20, true, true),
                    uint64_t{1 << 20});
}

BOOST_AUTO_TEST_CASE(uploads_must_be_bencoded_dictionaries) {
  for (auto ok : {"de", "d4:infodee", "d1:ai-12e1:bli0eee",
                  "d1:ad1:bl1:cee1:ci00ee", "d0:0:e", "dee trailing bytes"})
    BOOST_CHECK_MESSAGE(!check_bencoded_dict(std::string{ok}), ok);
  // Strings are binary.
  BOOST_CHECK(!check_bencoded_dict(std::string("d1:a3:\r\n\0e", 10)));
  BOOST_CHECK(!check_bencoded_dict("d1:ai" + std::string(20, '9') + "ee"));
  std::string deep = "d1:a";
  for (int i = 0; i < 98; ++i)
    deep += "l";
  deep += std::string(98, 'e') + "e";
  BOOST_CHECK_MESSAGE(!check_bencoded_dict(deep),
                      check_bencoded_dict(deep).value_or(""));
  for (auto bad : {"", "le", "i1e", "4:spam", "<html>", "d", "d1:a",
                   "d1:ai1e",     // not closed
                   "di1ei2ee",    // an integer key
                   "d1:ae",       // a key without value
                   "d1:ai1xee",   // junk in an integer
                   "d1:aiee",     // no digits
                   "d1:ai-ee",
                   "d1:a5:abce",  // string past the end
                   "d1:a1x:ae",   // junk in a length
                   "d1:a99999999999999999999999:xe",
                   "d1:ax1:be"})  // not a value
    BOOST_CHECK_MESSAGE(check_bencoded_dict(std::string{bad}),
                        "accepted: " << bad);
  BOOST_CHECK(check_bencoded_dict("d1:ai" + std::string(21, '9') + "ee"));
  std::string deeper = "d1:a";
  for (int i = 0; i < 100; ++i)
    deeper += "l";
  deeper += std::string(100, 'e') + "e";
  BOOST_CHECK(check_bencoded_dict(deeper));
  BOOST_CHECK_NE(check_bencoded_dict("d1:a5:abce")->find("byte 4"),
                 std::string::npos);
  // At the edge: 400 download_source_exception, saying why.
  for (auto bad : {"bGU=", "PGh0bWw+", "ZDE6YQ=="}) { // "le", "<html>", "d1:a"
    auto err = message_of_request(std::string{R"({"torrent":")"} + bad + "\"}",
                                  "application/json");
    BOOST_CHECK_MESSAGE(err.find(".torrent") != std::string::npos, err);
    BOOST_CHECK(code_of_request(std::string{R"({"torrent":")"} + bad + "\"}",
                                "application/json")
                == ec::download_source_exception);
  }
  BOOST_CHECK_EQUAL(http_status(ec::download_source_exception), 400u);
  BOOST_CHECK(code_of_request(form({{"torrent", ""}}), form_type)
              == ec::download_source_exception);
}

BOOST_AUTO_TEST_CASE(multipart_uploads) {
  task_spec spec;
  // The .torrent holds CRLFs, a NUL and a line that starts like the
  // boundary.
  auto content = std::string("\r\n--XyZ-ish\r\n\r\n\xff\x00", 17);
  auto torrent = "d4:info" + std::to_string(content.size()) + ":" + content
                 + "e";
  BOOST_REQUIRE(!check_bencoded_dict(torrent));
  auto body = form({{"task", R"({"target":"movies","files":["a.bin"],
                                 "paused":true})"},
                    {"torrent", torrent}});
  auto err = parse_task_request(body, form_type, 1, 1000, spec);
  BOOST_REQUIRE_MESSAGE(!err, message_of(err));
  BOOST_CHECK(spec.torrent == torrent);
  BOOST_CHECK(spec.url.empty());
  BOOST_CHECK_EQUAL(spec.target, "movies");
  BOOST_CHECK_EQUAL(spec.files.size(), 1u);
  BOOST_CHECK(spec.start_paused);
  BOOST_CHECK_EQUAL(spec.bucket, "user-1");
  // The task part is optional; the boundary may be quoted, the type mixed
  // case, with other parameters.
  BOOST_REQUIRE(!parse_task_request(
      form({{"torrent", "de"}}),
      "Multipart/Form-Data; charset=utf-8; boundary=\"XyZ\"", 1, 1000, spec));
  BOOST_CHECK_EQUAL(spec.torrent, "de");
  BOOST_CHECK(spec.target.empty());
  struct bad_case {
    std::string body;
    std::string type;
    ec code;
    const char* says;
  };
  auto arg = ec::invalid_argument;
  for (auto& c : std::vector<bad_case>{
           // A url in the task part as well: two sources.
           {form({{"torrent", "de"}, {"task", R"({"url":"http://h/a.torrent"})"}}),
            form_type, arg, "not both"},
           {form({{"torrent", "de"}, {"task", R"({"torrent":"ZGU="})"}}),
            form_type, arg, "twice"},
           {form({{"task", "{}"}}), form_type, arg, "no 'torrent' part"},
           {form({{"torrent", "de"}, {"torrent", "de"}}), form_type, arg,
            "unexpected multipart part 'torrent'"},
           {form({{"torrent", "de"}, {"task", "{}"}, {"task", "{}"}}),
            form_type, arg, "unexpected multipart part 'task'"},
           {form({{"torrent", "de"}, {"colour", "red"}}), form_type, arg,
            "'colour'"},
           {form({{"torrent", "de"}, {"task", "{nope"}}), form_type, arg,
            "'task' part is not valid JSON"},
           {form({{"torrent", "de"}, {"task", "[]"}}), form_type, arg,
            "JSON object"},
           {form({{"torrent", "de"}, {"task", R"({"colour":"red"})"}}),
            form_type, arg, "unknown field"},
           {form({{"torrent", "de"}}), "multipart/form-data", arg, "boundary"},
           {form({{"torrent", "de"}}), "multipart/form-data; boundary=", arg,
            "boundary"},
           {form({{"torrent", "de"}}).substr(0, 60), form_type, arg,
            "blank line"},
           {form({{"torrent", "de"}}).substr(0, 86), form_type, arg,
            "not closed"},
           {"not multipart at all", form_type, arg, "delimiter"},
           {form({{"torrent", "le"}}), form_type,
            ec::download_source_exception, ".torrent"}}) {
    task_spec s;
    auto e = parse_task_request(c.body, c.type, 1, 1000, s);
    BOOST_CHECK_MESSAGE(code_of(e) == c.code
                            && message_of(e).find(c.says) != std::string::npos,
                        c.body.substr(0, 60) << " -> " << message_of(e));
  }
}

namespace {

/// Renders `ts` as the Task API does and parses it back.
rapidjson::Document render_task(const task_status& ts, bool excerpt) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  write_task(w, ts, excerpt);
  rapidjson::Document doc;
  doc.Parse(buf.GetString());
  BOOST_REQUIRE(!doc.HasParseError() && doc.IsObject());
  return doc;
}

std::string render_info(const task_record& rec) {
  static settings cfg;
  services svc;
  svc.cfg = &cfg;
  svc.link_secret = "secret";
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  write_info(w, svc, rec);
  return buf.GetString();
}

} // namespace

BOOST_AUTO_TEST_CASE(http_tasks_render_without_a_torrent_member) {
  task_status ts;
  ts.rec.spec.url = "http://h/f.bin";
  ts.rec.state = task_state::downloading;
  ts.rec.done_bytes = 25;
  ts.rec.total_bytes = 100;
  auto doc = render_task(ts, false);
  BOOST_CHECK(!doc.HasMember("torrent"));
  BOOST_CHECK_EQUAL(doc["percent"].GetDouble(), 25.0);
  auto info = render_info(ts.rec);
  BOOST_CHECK_NE(info.find(R"("source":{"kind":"http","url":"http://h/f.bin"})"),
                 std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_magnet_without_metadata_renders_as_fetching) {
  task_status ts;
  auto hash = std::string(40, 'a');
  ts.rec.spec.url = "magnet:?xt=urn:btih:" + std::string(40, 'A');
  ts.rec.state = task_state::downloading;
  ts.bt.metadata = metadata_state::fetching;
  ts.bt.peers = 3;
  auto doc = render_task(ts, false);
  BOOST_REQUIRE(doc.HasMember("torrent"));
  auto& t = doc["torrent"];
  BOOST_CHECK_EQUAL(t["metadata"].GetString(), std::string{"fetching"});
  BOOST_CHECK_EQUAL(t["info_hash"].GetString(), hash); // from the link
  BOOST_CHECK_EQUAL(t["name"].GetString(), std::string{});
  BOOST_CHECK_EQUAL(t["total_size"].GetUint64(), 0u);
  BOOST_CHECK_EQUAL(t["wanted_size"].GetUint64(), 0u);
  BOOST_CHECK_EQUAL(t["peers"].GetUint64(), 3u);
  BOOST_CHECK_EQUAL(t["files"].Size(), 0u);
  BOOST_CHECK_EQUAL(doc["percent"].GetDouble(), 0.0);
  BOOST_CHECK_EQUAL(doc["total_bytes"].GetInt64(), -1);
  BOOST_CHECK_EQUAL(percent_of(ts.rec), 0.0);
  // The excerpt stays short.
  BOOST_CHECK(!render_task(ts, true).HasMember("torrent"));
  auto info = render_info(ts.rec);
  BOOST_CHECK_NE(info.find(R"("kind":"magnet")"), std::string::npos);
  BOOST_CHECK_NE(info.find("\"info_hash\":\"" + hash + "\""),
                 std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_torrent_renders_wanted_bytes_and_per_file_progress) {
  task_status ts;
  auto& r = ts.rec;
  r.spec.torrent = "d4:infod4:name4:pack12:piece lengthi16384eee";
  r.spec.files = {"a.bin"};
  r.state = task_state::downloading;
  r.info_hash = std::string(40, 'b');
  r.torrent_name = "pack";
  r.done_bytes = 100;
  r.total_bytes = 800;
  ts.speed = 50;
  ts.bt.metadata = metadata_state::received;
  ts.bt.info_hash = r.info_hash;
  ts.bt.name = "pack";
  ts.bt.total_size = 1800;
  ts.bt.upload_speed = 7;
  ts.bt.uploaded = 9;
  ts.bt.peers = 4;
  ts.bt.seeds = 2;
  ts.bt.checking = true;
  ts.bt.files = {{"pack/a.bin", 800, true, 100}, {"pack/b.bin", 1000, false, 0},
                 {"pack/empty", 0, true, 0}};
  auto doc = render_task(ts, false);
  // The task's own figures are the wanted bytes.
  BOOST_CHECK_EQUAL(doc["percent"].GetDouble(), 12.5);
  BOOST_CHECK_EQUAL(doc["done_bytes"].GetUint64(), 100u);
  BOOST_CHECK_EQUAL(doc["total_bytes"].GetInt64(), 800);
  BOOST_CHECK_EQUAL(doc["speed"].GetUint64(), 50u);
  BOOST_CHECK_EQUAL(doc["url"].GetString(), std::string{});
  auto& t = doc["torrent"];
  BOOST_CHECK_EQUAL(t["info_hash"].GetString(), r.info_hash);
  BOOST_CHECK_EQUAL(t["name"].GetString(), std::string{"pack"});
  BOOST_CHECK_EQUAL(t["metadata"].GetString(), std::string{"received"});
  BOOST_CHECK_EQUAL(t["total_size"].GetUint64(), 1800u);
  BOOST_CHECK_EQUAL(t["wanted_size"].GetUint64(), 800u);
  BOOST_CHECK_EQUAL(t["upload_speed"].GetUint64(), 7u);
  BOOST_CHECK_EQUAL(t["uploaded"].GetUint64(), 9u);
  BOOST_CHECK_EQUAL(t["peers"].GetUint64(), 4u);
  BOOST_CHECK_EQUAL(t["seeds"].GetUint64(), 2u);
  BOOST_CHECK(t["checking"].GetBool());
  BOOST_REQUIRE_EQUAL(t["files"].Size(), 3u);
  auto& a = t["files"][0];
  BOOST_CHECK_EQUAL(a["name"].GetString(), std::string{"pack/a.bin"});
  BOOST_CHECK_EQUAL(a["size"].GetUint64(), 800u);
  BOOST_CHECK(a["wanted"].GetBool());
  BOOST_CHECK_EQUAL(a["done"].GetUint64(), 100u);
  BOOST_CHECK_EQUAL(a["progress"].GetString(), std::string{"12.50"});
  BOOST_CHECK(!t["files"][1]["wanted"].GetBool());
  BOOST_CHECK_EQUAL(t["files"][1]["progress"].GetString(),
                    std::string{"0.00"});
  BOOST_CHECK_EQUAL(t["files"][2]["progress"].GetString(),
                    std::string{"100.00"});
  // Each file's index is what a new choice names it by; its done bytes.
  BOOST_CHECK_EQUAL(t["files"][1]["index"].GetUint64(), 1u);
  BOOST_CHECK_EQUAL(a["done_bytes"].GetUint64(), 100u);
  BOOST_CHECK_EQUAL(t["peer_list"].Size(), 0u);
  ts.bt.peer_list = {{"127.0.0.1", 6881, "qBittorrent 4.5", 0.123456, 900, 12},
                     {"::1", 51413, "", 1.0, 0, 0}};
  auto with_peers = render_task(ts, false);
  auto& peers = with_peers["torrent"]["peer_list"];
  BOOST_REQUIRE_EQUAL(peers.Size(), 2u);
  BOOST_CHECK_EQUAL(peers[0]["ip"].GetString(), std::string{"127.0.0.1"});
  BOOST_CHECK_EQUAL(peers[0]["port"].GetUint64(), 6881u);
  BOOST_CHECK_EQUAL(peers[0]["client"].GetString(),
                    std::string{"qBittorrent 4.5"});
  BOOST_CHECK_EQUAL(peers[0]["progress"].GetDouble(), 0.1234);
  BOOST_CHECK_EQUAL(peers[0]["down_speed"].GetUint64(), 900u);
  BOOST_CHECK_EQUAL(peers[0]["up_speed"].GetUint64(), 12u);
  BOOST_CHECK_EQUAL(peers[1]["ip"].GetString(), std::string{"::1"});
  BOOST_CHECK_EQUAL(peers[1]["progress"].GetDouble(), 1.0);
  // The info of an upload says so, and never holds the torrent's bytes.
  auto info = render_info(r);
  BOOST_CHECK_NE(info.find(R"("kind":"upload","url":"","upload":true)"),
                 std::string::npos);
  BOOST_CHECK_NE(info.find("\"info_hash\":\"" + r.info_hash + "\""),
                 std::string::npos);
  BOOST_CHECK_NE(info.find(R"("files":["a.bin"])"), std::string::npos);
  BOOST_CHECK_EQUAL(info.find("piece length"), std::string::npos);
  BOOST_CHECK_EQUAL(info.find(base64_encode(r.spec.torrent).substr(0, 12)),
                    std::string::npos);
  // A .torrent URL is shown as the URL.
  r.spec.torrent.clear();
  r.spec.url = "http://h/pack.torrent";
  BOOST_CHECK_NE(render_info(r).find(
                     R"("kind":"torrent_url","url":"http://h/pack.torrent","upload":false)"),
                 std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_new_file_choice_takes_names_and_indices) {
  file_choice c;
  BOOST_REQUIRE(!parse_file_choice(R"({"files":["a.bin",2,"pack/c.txt",0]})",
                                   c));
  BOOST_CHECK((c.names == std::vector<std::string>{"a.bin", "pack/c.txt"}));
  BOOST_CHECK((c.indices == std::vector<uint32_t>{2, 0}));
  auto refused = [](const std::string& body, const std::string& words) {
    file_choice x;
    auto err = parse_file_choice(body, x);
    BOOST_CHECK_MESSAGE(code_of(err) == ec::invalid_argument, body);
    BOOST_CHECK_MESSAGE(message_of(err).find(words) != std::string::npos,
                        body << ": " << message_of(err));
  };
  refused("", "JSON object");
  refused("[1]", "JSON object");
  refused(R"({})", "'files'");
  refused(R"({"files":[]})", "1 to");
  refused(R"({"files":"a.bin"})", "'files'");
  refused(R"({"files":[1.5]})", "'files'");
  refused(R"({"files":[-1]})", "'files'");
  refused(R"({"files":[true]})", "'files'");
  refused(R"({"files":[""]})", "empty");
  refused(R"({"files":["a"],"paused":true})", "'paused'");
  std::string many = R"({"files":[)";
  for (size_t i = 0; i <= max_wanted_files; ++i)
    many += (i ? ",\"f" : "\"f") + std::to_string(i) + "\"";
  refused(many + "]}", "1 to");
}

BOOST_AUTO_TEST_CASE(config_lists_every_bt_setting) {
  settings s;
  s.bt_listen = "127.0.0.1:0";
  s.bt_dht = false;
  s.bt_seed_ratio = 2.5;
  s.bt_max_torrent_size = 4096;
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  write_settings(w, s);
  rapidjson::Document doc;
  doc.Parse(buf.GetString());
  BOOST_REQUIRE(doc.IsObject());
  for (auto key :
       {"bt_listen", "bt_dht", "bt_lsd", "bt_port_mapping", "bt_utp", "bt_encryption",
        "bt_connections_limit", "bt_torrent_connections_limit",
        "bt_download_limit", "bt_upload_limit", "bt_task_download_limit",
        "bt_task_upload_limit", "bt_seed", "bt_seed_ratio", "bt_seed_time",
        "bt_metadata_timeout", "bt_max_torrent_size", "bt_resume_interval"})
    BOOST_CHECK_MESSAGE(doc.HasMember(key), key);
  BOOST_CHECK_EQUAL(doc["bt_listen"].GetString(), std::string{"127.0.0.1:0"});
  BOOST_CHECK(!doc["bt_dht"].GetBool());
  BOOST_CHECK_EQUAL(doc["bt_seed_ratio"].GetDouble(), 2.5);
  BOOST_CHECK_EQUAL(doc["bt_max_torrent_size"].GetUint64(), 4096u);
  BOOST_CHECK_EQUAL(doc["bt_seed"].GetString(), std::string{"stop"});
}
