#define BOOST_TEST_MODULE lying_origin_integration
#include <boost/test/unit_test.hpp>

// The real skyhauld against origins that lie (tests/support/origin.py, its
// "lying origins" block): every download ends in a clear failure or in the
// origin's true bytes, never in a stored wrong object, never in a hang past
// the daemon's timeouts, and the daemon keeps serving afterwards. Then the
// same for a full disk (a tmpfs the test mounts) and a full LMDB map: each
// is insufficient_storage, 507 in every face's own shape (Task API JSON,
// S3 and Offline API XML InsufficientStorage, Offcloud {"error"}), and once
// room returns everything works and nothing acknowledged was lost.

#include "base/sigv4.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/offcloud_calls.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/small_disk.hpp"
#include "tests/support/task_calls.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

using namespace skyhaul::test;
using namespace std::chrono_literals;

namespace {

/// Short timeouts and few tries, so each lie is found in seconds.
std::vector<std::string> short_flags() {
  return {"--max-tries=2",       "--retry-base-ms=50",
          "--retry-max-ms=100",  "--connect-timeout=2",
          "--low-speed-limit=1", "--low-speed-time=2",
          "--max-redirects=5",   "--min-split-size=1048576"};
}

/// A call to the S3 (`"s3"`) or Offline API (`"offline"`) listener, signed
/// with SigV4 by the admin.
response signed_call(const server_process& d, const std::string& listener,
                     const std::string& method, const std::string& target,
                     const std::string& body = {}) {
  auto base = d.url(listener);
  std::vector<std::string> headers;
  for (auto& [k, v] : skyhaul::sigv4_sign(
           method, target, {{"host", base.substr(base.find("://") + 3)}},
           skyhaul::payload_sha256(body), d.admin().access_key,
           d.admin().secret_key, "us-east-1", std::time(nullptr)))
    headers.push_back(k + ": " + v);
  return http(method, base + target, body, headers);
}

/// The `<Code>` of an S3 XML error body.
std::string xml_code(const std::string& body) {
  auto a = body.find("<Code>");
  auto b = body.find("</Code>");
  if (a == std::string::npos || b == std::string::npos)
    return {};
  return body.substr(a + 6, b - a - 6);
}

/// `POST /torrent/upload` of the Offcloud face: a small .torrent as
/// multipart/form-data.
response upload_torrent(const server_process& d, const std::string& name) {
  const std::string boundary = "skyhaulboundary";
  auto torrent = "d4:infod6:lengthi1e4:name" + std::to_string(name.size())
                 + ":" + name + "12:piece lengthi16384e6:pieces20:"
                 + std::string(20, 'a') + "ee";
  auto body = "--" + boundary
              + "\r\nContent-Disposition: form-data; name=\"file\"; "
                "filename=\"x.torrent\"\r\nContent-Type: "
                "application/x-bittorrent\r\n\r\n"
              + torrent + "\r\n--" + boundary + "--\r\n";
  return http("POST",
              d.url() + "/torrent/upload?key=" + d.admin().api_key, body,
              {"Content-Type: multipart/form-data; boundary=" + boundary});
}

struct fixture {
  origin org;
  server_process d{short_flags()};
  std::string last_tid; ///< the task of the latest run()
  fixture() {
    d.start();
  }

  /// Submits `path` of the origin under `key`; waits (bounded) for its end.
  std::string run(const std::string& path, const std::string& key,
                  std::chrono::seconds limit = 20s) {
    auto tid = create(d, R"({"url":")" + org.url(path) + R"(","key":")" + key
                             + R"("})");
    last_tid = tid;
    auto began = std::chrono::steady_clock::now();
    auto body = d.await_status(tid, ended(), limit);
    BOOST_REQUIRE_MESSAGE(ended()(body), path << " did not end: " << body);
    BOOST_TEST_MESSAGE(path
                       << " ended in "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - began)
                              .count()
                       << " ms: " << body);
    return body;
  }

  std::string object_of(const std::string& tid) {
    return object_bytes(d, tid);
  }

  /// A failed task names its cause; a finished one holds the true bytes.
  void failed_or_exact(const std::string& body, size_t size) {
    if (state_of(body) == "finished") {
      auto got = object_of(last_tid);
      BOOST_CHECK_EQUAL(got.size(), size);
      BOOST_CHECK_MESSAGE(got == origin_content(size),
                          "a wrong object was stored");
      return;
    }
    BOOST_CHECK_EQUAL(state_of(body), "failed");
    BOOST_CHECK_MESSAGE(!json_field(body, "detail.error.code").empty(), body);
    BOOST_CHECK_MESSAGE(!json_field(body, "detail.error.message").empty(),
                        body);
  }

  /// The daemon still downloads an honest file.
  void still_serving(const std::string& key) {
    auto body = run("/file/70000", key);
    BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
    BOOST_CHECK(object_of(last_tid) == origin_content(70000));
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(lying_origin, fixture)

BOOST_AUTO_TEST_CASE(
    a_body_longer_than_announced_stores_only_what_was_announced) {
  auto body = run("/longlen/50000", "long.bin");
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK_EQUAL(json_field(body, "detail.done_bytes"), "50000");
  BOOST_CHECK(object_of(last_tid) == origin_content(50000));
  still_serving("after-long.bin");
}

BOOST_AUTO_TEST_CASE(a_body_shorter_than_announced_fails_with_a_size_error) {
  // /badlen announces 1000 bytes more than it sends, then closes.
  auto body = run("/badlen/50000", "short.bin");
  BOOST_CHECK_EQUAL(state_of(body), "failed");
  failed_or_exact(body, 50000);
  still_serving("after-short.bin");
}

BOOST_AUTO_TEST_CASE(a_206_with_the_wrong_range_is_not_stored) {
  // Single connection (no Range asked, a 206 answered) and segmented (4 MB
  // in 1 MB parts, each answered from 100 bytes further on).
  auto one = run("/badrange/50000", "range-one.bin");
  failed_or_exact(one, 50000);
  const size_t big = 4 * 1024 * 1024;
  auto split = run("/badrange/" + std::to_string(big), "range-split.bin");
  failed_or_exact(split, big);
  still_serving("after-range.bin");
}

BOOST_AUTO_TEST_CASE(a_redirect_loop_fails_at_the_redirect_limit) {
  auto body = run("/loop/a", "loop.bin");
  BOOST_CHECK_EQUAL(state_of(body), "failed");
  failed_or_exact(body, 0);
  still_serving("after-loop.bin");
}

BOOST_AUTO_TEST_CASE(a_reset_in_the_middle_is_retried_then_fails) {
  // Every request, ranged ones too, gets 20000 bytes and then a RST.
  auto body = run("/reset/200000?at=20000", "reset.bin");
  failed_or_exact(body, 200000);
  BOOST_CHECK_EQUAL(state_of(body), "failed");
  BOOST_CHECK_MESSAGE(json_field(body, "detail.tries") == "2", body);
  still_serving("after-reset.bin");
}

BOOST_AUTO_TEST_CASE(headers_that_never_end_hit_a_timeout) {
  // The origin would go on for 40 s; the daemon must give up well before.
  auto began = std::chrono::steady_clock::now();
  auto body = run("/endless/40", "endless.bin", 30s);
  auto took = std::chrono::steady_clock::now() - began;
  BOOST_CHECK_EQUAL(state_of(body), "failed");
  failed_or_exact(body, 0);
  BOOST_CHECK_MESSAGE(
      took < 20s,
      "gave up only after "
          << std::chrono::duration_cast<std::chrono::seconds>(took).count()
          << " s");
  still_serving("after-endless.bin");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// The daemon on an 8 MB disk. The daemon is declared first, so it is
/// stopped after the disk is detached: a lazy unmount finishes when its last
/// file closes.
struct disk_fixture {
  origin org;
  server_process d{{"--max-tries=2", "--retry-base-ms=50", "--retry-max-ms=100",
                    "--split=1"}};
  small_disk disk{d.data_dir(), "8m"};
  std::string last_tid;
  disk_fixture() {
    if (disk.mounted)
      d.start();
  }

  std::string run(const std::string& path, const std::string& key) {
    last_tid = create(d, R"({"url":")" + org.url(path) + R"(","key":")" + key
                             + R"("})");
    auto body = d.await_status(last_tid, ended(), 30s);
    BOOST_REQUIRE_MESSAGE(ended()(body), path << " did not end: " << body);
    BOOST_TEST_MESSAGE(path << ": " << body);
    return body;
  }

  std::string object_of(const std::string& tid) {
    return object_bytes(d, tid);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(full_disk, disk_fixture)

BOOST_AUTO_TEST_CASE(a_download_bigger_than_the_disk_fails_and_space_returns) {
  if (!disk.mounted) {
    std::cerr << "skipped: cannot mount a tmpfs on " << disk.dir << ": "
              << disk.why_not << "\n";
    return;
  }
  receiver rcv{0, 0, 0};
  const size_t small = 300000;
  auto body = run("/file/" + std::to_string(small), "keep.bin");
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto kept = last_tid;
  BOOST_TEST_MESSAGE("free before the big download: " << disk.free_bytes());

  // 12 MB on an 8 MB disk, with a failure callback.
  last_tid = create(d, R"({"url":")" + org.url("/file/" + std::to_string(12 << 20))
                           + R"(","key":"big.bin","failure_callback_url":")"
                           + rcv.url("/failed") + R"("})");
  body = d.await_status(last_tid, ended(), 30s);
  BOOST_TEST_MESSAGE("big: " << body);
  BOOST_CHECK_EQUAL(state_of(body), "failed");
  BOOST_CHECK_EQUAL(json_field(body, "detail.error.code"),
                    "insufficient_storage");
  auto message = json_field(body, "detail.error.message");
  BOOST_CHECK_MESSAGE(message.find("No space left on device")
                          != std::string::npos,
                      "the error does not name the disk: " << body);
  BOOST_CHECK(
      d.api("GET", "/task/tid/" + last_tid + "/info").body.find("/download/")
      == std::string::npos);
  auto failed = last_tid;
  // The failure callback (the S3-shaped faces' code) says the same.
  auto hits = rcv.await([](auto& hs) { return !hs.empty(); });
  BOOST_REQUIRE_MESSAGE(!hits.empty(), "no failure callback");
  BOOST_CHECK_EQUAL(json_field(hits.front().body, "Code"),
                    "InsufficientStorage");
  // A failed task keeps its partial file (a later resume goes on from it),
  // so its space comes back only with the task's data.
  BOOST_TEST_MESSAGE("free after it failed: " << disk.free_bytes());

  // The disk is still full: an Offcloud download fails the same way, and
  // an upload the Offcloud face keeps on disk is refused with 507.
  auto rid = oc::cloud(d, org.url("/file/" + std::to_string(1 << 20)),
                       d.admin().api_key);
  BOOST_CHECK_EQUAL(oc::await(d, rid, d.admin().api_key), "error");
  auto st = oc::post(d, "/cloud/status", oc::form({{"requestId", rid}}),
                     d.admin().api_key);
  BOOST_CHECK_MESSAGE(json_field(st.body, "status.errorMessage")
                              .find("No space left on device")
                          != std::string::npos,
                      st.body);
  // The rest of the disk goes to a file of the test's, so that even a
  // small upload the Offcloud face keeps on disk finds no room.
  auto filler = d.data_dir() + "/filler";
  {
    std::ofstream out{filler, std::ios::binary};
    const std::string block(4096, 'f');
    while (out.write(block.data(), block.size()))
      ;
  }
  BOOST_TEST_MESSAGE("free with the filler: " << disk.free_bytes());
  auto up = upload_torrent(d, "full");
  BOOST_TEST_MESSAGE("upload on a full disk: " << up.status << " " << up.body);
  BOOST_CHECK_EQUAL(up.status, 507);
  BOOST_CHECK_MESSAGE(json_field(up.body, "error").find("No space left")
                          != std::string::npos,
                      up.body);

  // Space returns: the filler goes, the failed tasks are deleted with
  // their data.
  std::filesystem::remove(filler);
  auto del = d.api("DELETE", "/task/tid/" + failed + "?del_file=true");
  BOOST_CHECK_MESSAGE(del.status == 200, del.status << " " << del.body);
  auto del2 = oc::post(d, "/cloud/remove", oc::form({{"requestId", rid}}),
                       d.admin().api_key);
  BOOST_TEST_MESSAGE("offcloud remove: " << del2.status << " " << del2.body);
  // The files go asynchronously: wait (bounded) for the space.
  BOOST_CHECK_MESSAGE(disk.wait_free(6u << 20, 5s),
                      "only " << disk.free_bytes() << " bytes free");

  // New downloads and uploads work again (5 MB needs the space back); the
  // earlier object is byte-exact.
  BOOST_CHECK_EQUAL(upload_torrent(d, "room").status, 200);
  const size_t again = 5 << 20;
  body = run("/file/" + std::to_string(again), "again.bin");
  BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
  if (state_of(body) == "finished")
    BOOST_CHECK(object_of(last_tid) == origin_content(again));
  BOOST_CHECK(object_of(kept) == origin_content(small));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(a_full_lmdb_map_is_a_clear_error_and_the_daemon_goes_on) {
  // A 1 MB map, filled with paused tasks of long URLs, then of short ones
  // until even those are refused.
  origin org;
  server_process d{{"--map-size=1048576"}};
  d.start();
  const std::string pad(1500, 'x');
  auto task_json = [&](const std::string& key, const std::string& query) {
    return R"({"url":")" + org.url("/file/1000" + query) + R"(",)"
           + R"("paused":true,"key":")" + key + R"("})";
  };
  std::vector<std::string> made;
  response refused;
  for (auto query : {"?pad=" + pad, std::string{}}) {
    for (int i = 0; i < 5000; ++i) {
      auto res = d.api("POST", "/task",
                       task_json("k" + std::to_string(made.size()), query));
      if (res.status != 200 || json_field(res.body, "status") != "success") {
        refused = res;
        break;
      }
      made.push_back(json_field(res.body, "tid"));
    }
  }
  BOOST_TEST_MESSAGE(made.size() << " tasks, then: " << refused.status << " "
                                 << refused.body);
  BOOST_REQUIRE_MESSAGE(refused.status != 0, "the map never filled");
  // Each face answers a full database in its own shape, with 507.
  BOOST_CHECK_EQUAL(refused.status, 507);
  BOOST_CHECK_EQUAL(json_field(refused.body, "status"), "error");
  BOOST_CHECK_MESSAGE(json_field(refused.body, "errmsg").find("full")
                          != std::string::npos,
                      refused.body);
  // The other faces' writes are smaller, and pages freed by earlier
  // commits come back: each face writes until it is refused (bounded).
  auto until_refused = [](auto call) {
    response res;
    for (int i = 0; i < 5000; ++i) {
      res = call(i);
      if (res.status != 200)
        break;
    }
    return res;
  };
  auto bucket = until_refused([&](int i) {
    // Long names (63 characters, S3's limit) fill it sooner.
    auto name = "no-room-" + std::to_string(i) + "-";
    return signed_call(d, "s3", "PUT", "/" + name + std::string(63 - name.size(), 'b'));
  });
  BOOST_TEST_MESSAGE("S3 PUT bucket: " << bucket.status << " " << bucket.body);
  BOOST_CHECK_EQUAL(bucket.status, 507);
  BOOST_CHECK_EQUAL(xml_code(bucket.body), "InsufficientStorage");
  auto offline = until_refused([&](int i) {
    return signed_call(
        d, "offline", "PUT", "/photos",
        R"({"Url":")" + org.url("/file/1000") + R"(","Key":"offline)"
            + std::to_string(i) + R"(.bin","SuccessCallbackUrl":")"
            + org.url("/status/200") + R"(","FailureCallbackUrl":")"
            + org.url("/status/200") + R"("})");
  });
  BOOST_TEST_MESSAGE("Offline API PUT: " << offline.status << " "
                                         << offline.body);
  BOOST_CHECK_EQUAL(offline.status, 507);
  BOOST_CHECK_EQUAL(xml_code(offline.body), "InsufficientStorage");
  auto cloud = until_refused([&](int i) {
    return oc::post(
        d, "/cloud",
        oc::form({{"url", org.url("/file/1000?n=" + std::to_string(i))}}),
        d.admin().api_key);
  });
  BOOST_TEST_MESSAGE("Offcloud POST /cloud: " << cloud.status << " "
                                              << cloud.body);
  BOOST_CHECK_EQUAL(cloud.status, 507);
  BOOST_CHECK(!json_field(cloud.body, "error").empty());

  // Still serving: reads work, and deletes (the map keeps room for them)
  // make room again.
  BOOST_CHECK_EQUAL(d.api("GET", "/task/list").status, 200);
  BOOST_CHECK_EQUAL(
      state_of(d.api("GET", "/task/tid/" + made.back() + "/status").body),
      "paused");
  for (size_t i = 0; i < made.size() / 2; ++i) {
    auto del = d.api("DELETE", "/task/tid/" + made[i]);
    BOOST_CHECK_MESSAGE(del.status == 200, del.status << " " << del.body);
  }
  made.erase(made.begin(), made.begin() + made.size() / 2);
  auto tid = create(d, R"({"url":")" + org.url("/file/4096")
                           + R"(","key":"after-full.bin"})");
  auto body = d.await_status(tid, ended());
  BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK(object_bytes(d, tid) == origin_content(4096));
  BOOST_CHECK_EQUAL(signed_call(d, "s3", "PUT", "/room-bucket").status, 200);

  // Every acknowledged task is there, before and after a restart, and
  // after one with a larger map (the other way out the error names).
  auto kept_all = [&] {
    for (auto& t : made) {
      auto st = d.api("GET", "/task/tid/" + t + "/status");
      if (st.status != 200 || state_of(st.body) != "paused") {
        BOOST_ERROR("task " << t << " lost: " << st.body);
        return;
      }
    }
  };
  kept_all();
  BOOST_CHECK_EQUAL(d.stop(SIGTERM), 0);
  d.start();
  kept_all();
  BOOST_CHECK(object_bytes(d, tid) == origin_content(4096));
  d.stop(SIGTERM);
  d.set_args({"--map-size=8388608"});
  d.start();
  kept_all();
  BOOST_CHECK_EQUAL(d.api("POST", "/task", task_json("more", "")).status, 200);
}
