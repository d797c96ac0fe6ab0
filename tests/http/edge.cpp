#define BOOST_TEST_MODULE http_edge
#include <boost/test/unit_test.hpp>

// The edge checks and parsers of http/, without a server.

#include <ctime>

#include "http/auth.hpp"
#include "http/download.hpp"
#include "http/router.hpp"
#include "http/key_check.hpp"
#include "http/task_body.hpp"
#include "http/validate.hpp"
#include "protocol/error.hpp"

using namespace skyhaul;
using namespace skyhaul::http;

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
  auto ok = parse_task_body(
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
  BOOST_REQUIRE(!parse_task_body(R"({"url":"http://h/f"})", 7, spec));
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
         bad_case{R"({"url":"ftp://h/f"})", "unsupported scheme", uri},
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
    auto err = parse_task_body(c.body, 1, spec);
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
    BOOST_CHECK_MESSAGE(!parse_task_body(std::string{R"({"url":"http://h/f","on_key_exist":")"}
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
  BOOST_CHECK_EQUAL(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
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

BOOST_AUTO_TEST_CASE(the_router_captures_and_refuses) {
  router r;
  std::string seen;
  r.error = [](const request&, unsigned status, const std::string& msg) {
    reply x;
    x.status = status;
    x.body = msg;
    return x;
  };
  r.add("GET", "/task/tid/:tid/status", [&](request& req, responder) {
    seen = "status " + req.params["tid"];
  });
  r.add("GET", "/download/:tid/*file", [&](request& req, responder) {
    seen = "file " + req.params["file"];
  });
  unsigned status = 0;
  auto rsp = [&](reply x) { status = x.status; };
  auto call = [&](std::string method, std::string target) {
    request req;
    req.method = method;
    req.target = target;
    parse_target(target, req.path, req.query);
    seen.clear();
    status = 0;
    r.dispatch(req, rsp);
  };
  call("GET", "/task/tid/abc/status?exerpt=true");
  BOOST_CHECK_EQUAL(seen, "status abc");
  call("HEAD", "/download/t/dir/a%20b.bin");
  BOOST_CHECK_EQUAL(seen, "file dir/a b.bin");
  call("POST", "/task/tid/abc/status");
  BOOST_CHECK_EQUAL(status, 405u);
  call("GET", "/task/tid//status");
  BOOST_CHECK_EQUAL(status, 404u);
  call("GET", "/nothing");
  BOOST_CHECK_EQUAL(status, 404u);
  r.add("GET", "/boom", [](request&, responder) -> void {
    throw std::runtime_error("boom");
  });
  call("GET", "/boom");
  BOOST_CHECK_EQUAL(status, 500u);
  std::string path;
  std::map<std::string, std::string> q;
  parse_target("/a%2Fb?x=1+2&y=%41&z", path, q);
  BOOST_CHECK_EQUAL(path, "/a/b");
  BOOST_CHECK_EQUAL(q["x"], "1 2");
  BOOST_CHECK_EQUAL(q["y"], "A");
  BOOST_CHECK(q.count("z") == 1);
}

BOOST_AUTO_TEST_CASE(torrent_sources_and_uploads) {
  task_spec spec;
  auto magnet = std::string{"magnet:?xt=urn:btih:"} + std::string(40, 'c');
  BOOST_REQUIRE(!parse_task_body(R"({"url":")" + magnet
                                     + R"(","files":["a.bin","pack/b.bin"]})",
                                 1, spec));
  BOOST_CHECK_EQUAL(spec.url, magnet);
  BOOST_CHECK_EQUAL(spec.files.size(), 2u);
  BOOST_REQUIRE(!parse_task_body(R"({"url":"https://h/x/pack.torrent"})", 1,
                                 spec));
  // base64 in JSON, padding optional, line breaks ignored.
  BOOST_REQUIRE(!parse_task_request(R"({"torrent":"ZDQ6aW5m\nbzBlZQ","target":"m"})",
                                    "application/json", 1, 1000, spec));
  BOOST_CHECK_EQUAL(spec.torrent, "d4:info0ee");
  BOOST_CHECK(spec.url.empty());
  BOOST_CHECK_EQUAL(spec.target, "m");
  auto too_big = parse_task_request(R"({"torrent":"ZDQ6aW5mbzBlZQ=="})",
                                    "application/json", 1, 5, spec);
  BOOST_CHECK(code_of(too_big) == ec::too_large);
  BOOST_CHECK_EQUAL(http_status(code_of(too_big)), 413u);
  auto not_dict = parse_task_request(R"({"torrent":"bGU="})",
                                     "application/json", 1, 1000, spec);
  BOOST_CHECK(code_of(not_dict) == ec::download_source_exception);
  // multipart: a torrent part and a task part.
  std::string body = "--XyZ\r\n"
                     "Content-Disposition: form-data; name=\"task\"\r\n\r\n"
                     "{\"target\":\"movies\",\"files\":[\"a.bin\"]}\r\n"
                     "--XyZ\r\n"
                     "Content-Disposition: form-data; name=\"torrent\"; "
                     "filename=\"p.torrent\"\r\n"
                     "Content-Type: application/x-bittorrent\r\n\r\n"
                     "d4:info\r\n0ee\r\n"
                     "--XyZ--\r\n";
  BOOST_REQUIRE(!parse_task_request(body, "multipart/form-data; boundary=XyZ",
                                    1, 1000, spec));
  BOOST_CHECK_EQUAL(spec.torrent, "d4:info\r\n0ee");
  BOOST_CHECK_EQUAL(spec.target, "movies");
  BOOST_CHECK_EQUAL(spec.files.size(), 1u);
  // A url in the task part as well: two sources.
  auto both = body;
  both.replace(both.find("{\"target\""), 1,
               "{\"url\":\"http://h/a.torrent\",");
  BOOST_CHECK(code_of(parse_task_request(
                  both, "multipart/form-data; boundary=XyZ", 1, 1000, spec))
              == ec::invalid_argument);
  // No torrent part, or a broken body.
  auto no_torrent = std::string{"--XyZ\r\nContent-Disposition: form-data; "
                                "name=\"task\"\r\n\r\n{}\r\n--XyZ--\r\n"};
  BOOST_CHECK(code_of(parse_task_request(no_torrent,
                                         "multipart/form-data; boundary=XyZ",
                                         1, 1000, spec))
              == ec::invalid_argument);
  BOOST_CHECK(code_of(parse_task_request(body.substr(0, 60),
                                         "multipart/form-data; boundary=XyZ",
                                         1, 1000, spec))
              == ec::invalid_argument);
}
