#define BOOST_TEST_MODULE lying_origin_integration
#include <boost/test/unit_test.hpp>

// The real skyhauld against origins that lie (tests/support/origin.py, its
// "lying origins" block): every download ends in a clear failure or in the
// origin's true bytes, never in a stored wrong object, never in a hang past
// the daemon's timeouts, and the daemon keeps serving afterwards. Then the
// same for a full disk (a tmpfs the test mounts) and a full LMDB map.

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/task_calls.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <sys/mount.h>
#include <sys/statvfs.h>
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

/// The bytes behind a finished task's signed link.
std::string object_bytes(const server_process& d, const std::string& tid) {
  auto info = d.api("GET", "/task/tid/" + tid + "/info");
  BOOST_REQUIRE_EQUAL(info.status, 200);
  auto pos = info.body.find("/download/");
  BOOST_REQUIRE_MESSAGE(pos != std::string::npos, info.body);
  std::string link = info.body.substr(pos, info.body.find('"', pos) - pos);
  for (size_t i; (i = link.find("\\/")) != std::string::npos;)
    link.replace(i, 2, "/");
  auto got = http("GET", d.url() + link);
  BOOST_REQUIRE_EQUAL(got.status, 200);
  return got.body;
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

/// A tmpfs of `size` mounted over `dir` for one test; unmounted (lazily, so
/// also while the daemon still holds files) at the end of its scope.
struct small_disk {
  std::string dir;
  bool mounted = false;
  std::string why_not;
  small_disk(const std::string& where, const std::string& size) : dir(where) {
    auto opts = "size=" + size;
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0)
      mounted = true;
    else
      why_not = std::strerror(errno);
  }
  ~small_disk() {
    if (mounted)
      ::umount2(dir.c_str(), MNT_DETACH);
  }
  /// Waits (bounded) until more than `bytes` are free; false on timeout.
  bool wait_free(uint64_t bytes, std::chrono::milliseconds limit) const {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (free_bytes() <= bytes) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }
  uint64_t free_bytes() const {
    struct statvfs st {};
    ::statvfs(dir.c_str(), &st);
    return uint64_t{st.f_bavail} * st.f_frsize;
  }
};

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
  const size_t small = 300000;
  auto body = run("/file/" + std::to_string(small), "keep.bin");
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  auto kept = last_tid;
  BOOST_TEST_MESSAGE("free before the big download: " << disk.free_bytes());

  // 12 MB on an 8 MB disk.
  body = run("/file/" + std::to_string(12 << 20), "big.bin");
  BOOST_CHECK_EQUAL(state_of(body), "failed");
  auto message = json_field(body, "detail.error.message");
  BOOST_CHECK_MESSAGE(message.find("space") != std::string::npos
                          || message.find("disk") != std::string::npos,
                      "the error does not name the disk: " << body);
  BOOST_CHECK(
      d.api("GET", "/task/tid/" + last_tid + "/info").body.find("/download/")
      == std::string::npos);
  auto failed = last_tid;
  // A failed task keeps its partial file (a later resume goes on from it),
  // so its space comes back only with the task's data.
  BOOST_TEST_MESSAGE("free after it failed: " << disk.free_bytes());

  // Space returns: the failed task is deleted with its data.
  auto del = d.api("DELETE", "/task/tid/" + failed + "?del_file=true");
  BOOST_CHECK_MESSAGE(del.status == 200, del.status << " " << del.body);
  // The files go asynchronously: wait (bounded) for the space.
  BOOST_CHECK_MESSAGE(disk.wait_free(6u << 20, 5s),
                      "only " << disk.free_bytes() << " bytes free");

  // New downloads work again (5 MB needs the space back); the earlier
  // object is byte-exact.
  const size_t again = 5 << 20;
  body = run("/file/" + std::to_string(again), "again.bin");
  BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
  if (state_of(body) == "finished")
    BOOST_CHECK(object_of(last_tid) == origin_content(again));
  BOOST_CHECK(object_of(kept) == origin_content(small));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(a_full_lmdb_map_is_a_clear_error_and_the_daemon_goes_on) {
  // A 1 MB map, filled with paused tasks of long URLs.
  origin org;
  server_process d{{"--map-size=1048576"}};
  d.start();
  const std::string pad(1500, 'x');
  std::vector<std::string> made;
  response refused;
  for (int i = 0; i < 5000; ++i) {
    auto res = d.api("POST", "/task",
                     R"({"url":")" + org.url("/file/1000?pad=" + pad) + R"(",)"
                         + R"("paused":true,"key":"k)" + std::to_string(i)
                         + R"("})");
    if (res.status != 200 || json_field(res.body, "status") != "success") {
      refused = res;
      break;
    }
    made.push_back(json_field(res.body, "tid"));
  }
  BOOST_TEST_MESSAGE(made.size() << " tasks, then: " << refused.status << " "
                                 << refused.body);
  BOOST_REQUIRE_MESSAGE(refused.status != 0, "the map never filled");
  BOOST_CHECK_GE(refused.status, 500);
  BOOST_CHECK_MESSAGE(!json_field(refused.body, "errmsg").empty(),
                      refused.body);
  // Still serving: reads work, and deleting tasks makes room again.
  BOOST_CHECK_EQUAL(d.api("GET", "/task/list").status, 200);
  BOOST_CHECK_EQUAL(
      state_of(d.api("GET", "/task/tid/" + made.back() + "/status").body),
      "paused");
  for (size_t i = 0; i < made.size() / 2; ++i)
    BOOST_CHECK_EQUAL(d.api("DELETE", "/task/tid/" + made[i]).status, 200);
  auto tid = create(d, R"({"url":")" + org.url("/file/4096")
                           + R"(","key":"after-full.bin"})");
  auto body = d.await_status(tid, ended());
  BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK(object_bytes(d, tid) == origin_content(4096));
}
