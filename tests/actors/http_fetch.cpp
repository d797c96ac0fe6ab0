#define BOOST_TEST_MODULE http_fetch
#include <boost/test/unit_test.hpp>

// http_fetch against the real local origin (tests/support/origin.py).

#include <filesystem>
#include <fstream>

#include <caf/all.hpp>

#include "actors/curl_loop.hpp"
#include "actors/http_fetch.hpp"
#include "storage/digest.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"

using namespace skyhaul;
using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

struct fixture {
  origin org;
  std::string dir;
  settings cfg;
  std::shared_ptr<curl_loop> loop
      = std::make_shared<curl_loop>(curl_defaults::from(cfg));
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  http_fetch_actor fetch;
  task_seq next = 1;

  fixture() {
    char tmpl[] = "/tmp/skyhaul-fetch-XXXXXX";
    dir = ::mkdtemp(tmpl);
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    fetch = spawn_http_fetch(*sys, loop, cfg);
  }

  ~fixture() {
    caf::anon_send_exit(fetch, caf::exit_reason::user_shutdown);
    fetch = nullptr;
    sys.reset();
    loop->shutdown();
    std::filesystem::remove_all(dir);
  }

  fetch_request request(const std::string& path) {
    fetch_request req;
    req.seq = next++;
    req.url = org.url(path);
    req.path = dir + "/" + std::to_string(req.seq) + "/data";
    req.allow_private = true;
    req.max_redirects = 5;
    return req;
  }

  /// Runs a transfer to its end; progress messages are collected.
  fetch_result run(const fetch_request& req,
                   std::vector<fetch_progress>* seen = nullptr) {
    caf::scoped_actor self{*sys};
    self->send(fetch, atom::start_v, req,
               caf::actor_cast<fetch_listener_actor>(self));
    fetch_result out;
    out.code = ec::internal_error;
    out.message = "no result within 30 s";
    bool done = false;
    while (!done)
      self->receive(
        [&](atom::progress, fetch_progress& p) {
          if (seen)
            seen->push_back(p);
        },
        [&](atom::done, fetch_result& r) {
          out = std::move(r);
          done = true;
        },
        caf::after(30s) >> [&] { done = true; });
    return out;
  }

  std::string file(const fetch_request& req) {
    std::ifstream in{req.path, std::ios::binary};
    return {std::istreambuf_iterator<char>(in), {}};
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_fetch_suite, fixture)

BOOST_AUTO_TEST_CASE(a_full_download_has_the_right_digests) {
  const size_t size = 2 * 1024 * 1024 + 3;
  auto req = request("/file/" + std::to_string(size) + "?name=movie.mp4");
  std::vector<fetch_progress> seen;
  auto res = run(req, &seen);
  BOOST_REQUIRE_MESSAGE(res.code == ec::none, res.message);
  auto want = expected_digests(size);
  BOOST_CHECK_EQUAL(res.size, size);
  BOOST_CHECK_EQUAL(res.md5, want.md5);
  BOOST_CHECK_EQUAL(res.sha1, want.sha1);
  BOOST_CHECK_EQUAL(res.crc32, want.crc32);
  BOOST_CHECK_EQUAL(res.file_name, "movie.mp4");
  BOOST_CHECK_EQUAL(res.content_type, "application/octet-stream");
  BOOST_CHECK_EQUAL(res.validator, "\"skyhaul-origin-v1\"");
  BOOST_CHECK(file(req) == origin_content(size));
  BOOST_REQUIRE(!seen.empty());
  BOOST_CHECK_EQUAL(seen.front().total, static_cast<int64_t>(size));
}

BOOST_AUTO_TEST_CASE(a_segmented_download_reports_its_parts_and_digests) {
  const size_t size = 9 * 1024 * 1024 + 5;
  auto req = request("/file/" + std::to_string(size));
  req.connections = 4;
  req.min_split_size = 1 << 20;
  std::vector<fetch_progress> seen;
  auto res = run(req, &seen);
  BOOST_REQUIRE_MESSAGE(res.code == ec::none, res.message);
  auto want = expected_digests(size);
  BOOST_CHECK_EQUAL(res.size, size);
  BOOST_CHECK_EQUAL(res.md5, want.md5);
  BOOST_CHECK_EQUAL(res.sha1, want.sha1);
  BOOST_CHECK_EQUAL(res.crc32, want.crc32);
  BOOST_CHECK(file(req) == origin_content(size));
  BOOST_REQUIRE(!seen.empty());
  BOOST_CHECK_EQUAL(seen.front().parts.size(), 4u);
  BOOST_CHECK_EQUAL(seen.front().parts.back().end, size);
  // The probe, then one bounded range per part (and any stolen halves).
  auto log = org.log();
  BOOST_CHECK(log.find("\"bytes=0-\"") != std::string::npos);
  BOOST_CHECK(log.find("-" + std::to_string(size - 1) + "\"") != std::string::npos);
  // The control file records the finished parts.
  BOOST_CHECK(std::filesystem::exists(req.path + ".parts"));
}

BOOST_AUTO_TEST_CASE(resume_asks_for_a_range_and_hashes_the_whole_file) {
  const size_t size = 100000;
  auto req = request("/file/" + std::to_string(size));
  std::filesystem::create_directories(
    std::filesystem::path(req.path).parent_path());
  std::ofstream{req.path, std::ios::binary} << origin_content(size).substr(0, 40000);
  req.offset = 40000;
  req.validator = "\"skyhaul-origin-v1\"";
  auto res = run(req);
  BOOST_REQUIRE_MESSAGE(res.code == ec::none, res.message);
  BOOST_CHECK_EQUAL(res.sha1, expected_digests(size).sha1);
  BOOST_CHECK(file(req) == origin_content(size));
  BOOST_CHECK(org.log().find("bytes=40000-") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_large_resume_is_hashed_while_the_loop_serves_others) {
  // Hashing this prefix again takes the better part of a second: on the
  // loop thread it would hold every other transfer back.
  const size_t size = (size_t{448} << 20) + 4099;
  const size_t prefix = size - (size_t{1} << 20);
  auto big = request("/file/" + std::to_string(size) + "?name=big");
  std::filesystem::create_directories(
    std::filesystem::path(big.path).parent_path());
  {
    std::ofstream out{big.path, std::ios::binary};
    out << origin_content(prefix);
  }
  big.offset = prefix;
  big.validator = "\"skyhaul-origin-v1\"";
  auto small = request("/file/1000?name=small");
  caf::scoped_actor self{*sys};
  auto me = caf::actor_cast<fetch_listener_actor>(self);
  self->send(fetch, atom::start_v, big, me);
  self->send(fetch, atom::start_v, small, me);
  fetch_result big_res, small_res;
  big_res.code = small_res.code = ec::internal_error;
  bool big_done = false, small_done = false, big_heard_first = false;
  std::string log_at_small_done;
  auto until = std::chrono::steady_clock::now() + 60s;
  while (!big_done && std::chrono::steady_clock::now() < until) {
    self->receive(
        [&](atom::progress, fetch_progress& p) {
          if (p.seq == big.seq && !small_done)
            big_heard_first = true;
        },
        [&](atom::done, fetch_result& r) {
          if (r.seq == small.seq) {
            small_done = true;
            small_res = std::move(r);
            // Where the big one is now, as the origin saw it.
            log_at_small_done = org.log();
          } else if (r.seq == big.seq) {
            big_done = true;
            big_res = std::move(r);
          }
        },
        caf::after(60s) >> [] {});
  }
  BOOST_REQUIRE(small_done);
  BOOST_REQUIRE_MESSAGE(small_res.code == ec::none, small_res.message);
  BOOST_CHECK(file(small) == origin_content(1000));
  // The small download ended before the big one's range request went out:
  // the loop served it while the big prefix was being hashed.
  BOOST_CHECK_MESSAGE(log_at_small_done.find("name=big")
                          == std::string::npos,
                      "the resume was hashed before the other transfer ran");
  BOOST_CHECK(!big_heard_first);
  BOOST_REQUIRE(big_done);
  BOOST_REQUIRE_MESSAGE(big_res.code == ec::none, big_res.message);
  BOOST_CHECK_EQUAL(big_res.size, size);
  auto want = expected_digests(size);
  BOOST_CHECK_EQUAL(big_res.md5, want.md5);
  BOOST_CHECK_EQUAL(big_res.sha1, want.sha1);
  BOOST_CHECK_EQUAL(big_res.crc32, want.crc32);
  BOOST_CHECK(org.log().find("bytes=" + std::to_string(prefix) + "-")
              != std::string::npos);
  BOOST_CHECK_EQUAL(std::filesystem::file_size(big.path), size);
}

BOOST_AUTO_TEST_CASE(a_resume_stopped_while_hashing_sends_nothing) {
  const size_t size = (size_t{256} << 20) + 11;
  const size_t prefix = size - 1000;
  auto req = request("/file/" + std::to_string(size) + "?name=stopped");
  std::filesystem::create_directories(
    std::filesystem::path(req.path).parent_path());
  {
    std::ofstream out{req.path, std::ios::binary};
    out << origin_content(prefix);
  }
  req.offset = prefix;
  req.validator = "\"skyhaul-origin-v1\"";
  caf::scoped_actor self{*sys};
  self->send(fetch, atom::start_v, req,
             caf::actor_cast<fetch_listener_actor>(self));
  self->send(fetch, atom::stop_v, req.seq);
  // A later transfer of another task shows the loop went on past the
  // stopped hash: by then a stale result would be due.
  auto other = request("/file/10");
  auto res = run(other);
  BOOST_CHECK_MESSAGE(res.code == ec::none, res.message);
  bool heard = false;
  self->receive([&](atom::progress, fetch_progress&) { heard = true; },
                [&](atom::done, fetch_result&) { heard = true; },
                caf::after(3s) >> [] {});
  BOOST_CHECK(!heard);
  BOOST_CHECK(org.log().find("name=stopped") == std::string::npos);
  // The bytes on disk stay for the next resume.
  BOOST_CHECK_EQUAL(std::filesystem::file_size(req.path), prefix);
}

BOOST_AUTO_TEST_CASE(a_changed_source_restarts_from_zero) {
  const size_t size = 50000;
  auto req = request("/file/" + std::to_string(size));
  std::filesystem::create_directories(
    std::filesystem::path(req.path).parent_path());
  std::ofstream{req.path, std::ios::binary} << std::string(1000, 'x');
  req.offset = 1000;
  req.validator = "\"an-old-etag\""; // If-Range fails: the origin sends 200
  auto res = run(req);
  BOOST_REQUIRE_MESSAGE(res.code == ec::none, res.message);
  BOOST_CHECK_EQUAL(res.size, size);
  BOOST_CHECK_EQUAL(res.sha1, expected_digests(size).sha1);
  // Same for a server that ignores ranges altogether.
  auto req2 = request("/norange/" + std::to_string(size));
  std::filesystem::create_directories(
    std::filesystem::path(req2.path).parent_path());
  std::ofstream{req2.path, std::ios::binary} << std::string(1000, 'x');
  req2.offset = 1000;
  res = run(req2);
  BOOST_REQUIRE_MESSAGE(res.code == ec::none, res.message);
  BOOST_CHECK(file(req2) == origin_content(size));
}

BOOST_AUTO_TEST_CASE(a_complete_file_is_recognised_by_416) {
  const size_t size = 5000;
  auto req = request("/file/" + std::to_string(size));
  std::filesystem::create_directories(
    std::filesystem::path(req.path).parent_path());
  std::ofstream{req.path, std::ios::binary} << origin_content(size);
  req.offset = size;
  auto res = run(req);
  BOOST_REQUIRE_MESSAGE(res.code == ec::none, res.message);
  BOOST_CHECK_EQUAL(res.size, size);
  BOOST_CHECK_EQUAL(res.md5, expected_digests(size).md5);
}

BOOST_AUTO_TEST_CASE(http_errors_map_to_codes) {
  auto r404 = run(request("/status/404"));
  BOOST_CHECK(r404.code == ec::no_such_download_source);
  BOOST_CHECK(!r404.transient);
  auto r500 = run(request("/status/503"));
  BOOST_CHECK(r500.code == ec::download_source_exception);
  BOOST_CHECK(r500.transient);
  auto r403 = run(request("/status/403"));
  BOOST_CHECK(r403.code == ec::download_source_exception);
  BOOST_CHECK(!r403.transient);
  auto refused = request("/file/10");
  refused.url = "http://127.0.0.1:1/file/10";
  auto rc = run(refused);
  BOOST_CHECK(rc.code == ec::download_source_exception);
  BOOST_CHECK(rc.transient);
  auto bad = request("/file/10");
  bad.url = "gopher://127.0.0.1/x";
  BOOST_CHECK(run(bad).code == ec::invalid_uri);
}

BOOST_AUTO_TEST_CASE(redirects_are_followed_up_to_the_limit) {
  auto ok = run(request("/redirect/3"));
  BOOST_REQUIRE_MESSAGE(ok.code == ec::none, ok.message);
  BOOST_CHECK_EQUAL(ok.size, 1024u);
  auto too_many = run(request("/redirect/9"));
  BOOST_CHECK(too_many.code == ec::download_source_exception);
  BOOST_CHECK(!too_many.transient);
}

BOOST_AUTO_TEST_CASE(a_dropped_body_keeps_its_bytes_for_a_resume) {
  const size_t size = 300000;
  auto req = request("/drop/" + std::to_string(size) + "?at=100000");
  auto res = run(req);
  BOOST_CHECK(res.code == ec::download_source_exception);
  BOOST_CHECK(res.transient);
  auto kept = std::filesystem::file_size(req.path);
  BOOST_CHECK_GT(kept, 0u);
  req.offset = kept;
  req.validator = "\"skyhaul-origin-v1\"";
  res = run(req);
  BOOST_REQUIRE_MESSAGE(res.code == ec::none, res.message);
  BOOST_CHECK_EQUAL(res.sha1, expected_digests(size).sha1);
}

BOOST_AUTO_TEST_CASE(a_short_body_is_an_error) {
  auto res = run(request("/badlen/5000"));
  BOOST_CHECK(res.code == ec::download_source_exception);
  BOOST_CHECK(res.transient);
}

BOOST_AUTO_TEST_CASE(the_size_limit_stops_a_transfer) {
  auto req = request("/file/100000");
  req.max_size = 5000;
  auto res = run(req);
  BOOST_CHECK(res.code == ec::too_large);
}

BOOST_AUTO_TEST_CASE(private_addresses_are_refused_by_default) {
  auto req = request("/file/100");
  req.allow_private = false;
  auto res = run(req);
  BOOST_CHECK(res.code == ec::blocked_address);
  BOOST_CHECK(!res.transient);
  BOOST_CHECK(org.log().find("/file/100\"") == std::string::npos);
  BOOST_CHECK_MESSAGE(res.message.find("refused to connect to 127.0.0.1")
                          != std::string::npos,
                      res.message);
}

BOOST_AUTO_TEST_CASE(an_allowed_network_lets_a_fetch_through) {
  settings strict;
  strict.allow_networks = {"127.0.0.0/8"};
  auto own = std::make_shared<curl_loop>(curl_defaults::from(strict));
  auto other = spawn_http_fetch(*sys, own, strict);
  auto req = request("/file/100");
  req.allow_private = false;
  std::swap(fetch, other);
  auto res = run(req);
  std::swap(fetch, other);
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
  BOOST_CHECK_MESSAGE(res.code == ec::none, res.message);
  BOOST_CHECK_EQUAL(res.size, 100u);
}

BOOST_AUTO_TEST_CASE(stop_ends_a_transfer_silently) {
  auto req = request("/slow/1000000?bps=100000");
  caf::scoped_actor self{*sys};
  self->send(fetch, atom::start_v, req,
             caf::actor_cast<fetch_listener_actor>(self));
  bool got_progress = false;
  self->receive([&](atom::progress, fetch_progress&) { got_progress = true; },
                [&](atom::done, fetch_result&) {},
                caf::after(10s) >> [] {});
  BOOST_REQUIRE(got_progress);
  self->send(fetch, atom::stop_v, req.seq);
  bool done_after_stop = false;
  // Messages already in flight may arrive; a result must not.
  for (;;) {
    bool timed_out = false;
    self->receive([&](atom::progress, fetch_progress&) {},
                  [&](atom::done, fetch_result&) { done_after_stop = true; },
                  caf::after(1500ms) >> [&] { timed_out = true; });
    if (timed_out || done_after_stop)
      break;
  }
  BOOST_CHECK(!done_after_stop);
  BOOST_CHECK_LT(std::filesystem::file_size(req.path), 1000000u);
}

BOOST_AUTO_TEST_CASE(file_names_are_sanitised) {
  BOOST_CHECK_EQUAL(file_name_from("attachment; filename=\"a b.txt\"", ""),
                    "a b.txt");
  BOOST_CHECK_EQUAL(
    file_name_from("attachment; filename*=UTF-8''%E2%82%AC.txt", ""),
    "\xE2\x82\xAC.txt");
  BOOST_CHECK_EQUAL(file_name_from("attachment; filename=\"../../etc/passwd\"",
                                   ""),
                    "passwd");
  BOOST_CHECK_EQUAL(file_name_from("", "http://h/dir/file%20x.iso?x=1"),
                    "file x.iso");
  BOOST_CHECK_EQUAL(file_name_from("", "http://h/"), "download");
  BOOST_CHECK_EQUAL(file_name_from("", "http://h/a/.."), "download");
  BOOST_CHECK_EQUAL(file_name_from("", "http://h/a/%2e%2e"), "download");
}

BOOST_AUTO_TEST_CASE(digests_match_known_vectors) {
  storage::digest_set ds;
  ds.update("abc", 3);
  auto r = ds.finish();
  BOOST_CHECK_EQUAL(r.md5, "900150983cd24fb0d6963f7d28e17f72");
  BOOST_CHECK_EQUAL(r.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  BOOST_CHECK_EQUAL(r.crc32, "352441c2");
  auto empty = ds.finish();
  BOOST_CHECK_EQUAL(empty.md5, "d41d8cd98f00b204e9800998ecf8427e");
  BOOST_CHECK_EQUAL(empty.crc32, "00000000");
}

BOOST_AUTO_TEST_SUITE_END()
