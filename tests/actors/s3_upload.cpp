#define BOOST_TEST_MODULE s3_upload
#include <boost/test/unit_test.hpp>

// A multipart upload to a real S3-compatible server (s3rver, from npm, run
// locally) on the curl loop, with a `saved` that the test answers itself:
// the upload sends no part under an upload id before its record is
// committed, goes on once it is, and stops when the record is refused or
// its group is dropped meanwhile.

#include "actors/curl_loop.hpp"
#include "actors/s3_upload.hpp"
#include "base/crypto.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/s3rver.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <unistd.h>

using namespace skyhaul;
using namespace skyhaul::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t part_size = 5 << 20;

/// Three parts, the last one short.
constexpr size_t file_size = 2 * part_size + 123457;

/// What the upload told the test, and the wait it is in. Every member
/// under `mtx`.
struct observer {
  std::mutex mtx;
  std::condition_variable cv;
  /// The states `saved` was called with, in order.
  std::vector<multipart_state> saved;
  /// The wait for the record of the last one, while it is not ended.
  upload_recorded waiting;
  /// How the upload ended: its error ("" for success) and what it left
  /// open.
  std::optional<std::pair<std::string, multipart_state>> done;

  upload_saved on_saved() {
    return [this](const multipart_state& mp, upload_recorded recorded) {
      std::lock_guard<std::mutex> guard{mtx};
      saved.push_back(mp);
      waiting = std::move(recorded);
      cv.notify_all();
    };
  }

  upload_done on_done() {
    return [this](std::string err, multipart_state open) {
      std::lock_guard<std::mutex> guard{mtx};
      done.emplace(std::move(err), std::move(open));
      cv.notify_all();
    };
  }

  /// Waits (bounded) until `pred` holds under the lock.
  template <class Pred>
  bool await(Pred pred, std::chrono::seconds limit = 30s) {
    std::unique_lock<std::mutex> lock{mtx};
    return cv.wait_for(lock, limit, [&] { return pred(); });
  }

  /// Waits for the `n`th call of `saved` and ends its wait with
  /// `recorded`.
  void answer(size_t n, bool recorded) {
    upload_recorded then;
    BOOST_REQUIRE_MESSAGE(
        await([&] { return saved.size() >= n && waiting; }),
        "saved was not called " << n << " times");
    {
      std::lock_guard<std::mutex> guard{mtx};
      BOOST_REQUIRE_EQUAL(saved.size(), n);
      then = std::move(waiting);
      waiting = nullptr;
    }
    // From another thread than the loop's, as the store answers.
    std::thread{[then, recorded] { then(recorded); }}.join();
  }
};

struct fixture {
  s3rver s3;
  fs::path dir = fs::temp_directory_path()
                 / ("skyhaul-s3-upload-" + std::to_string(::getpid()));
  std::string path = (dir / "file.bin").string();
  std::string bytes = origin_content(file_size);
  curl_loop loop{[] {
    curl_defaults d;
    d.policy = base::net_policy::from_settings(false, {"127.0.0.0/8"});
    return d;
  }()};
  observer seen;
  int group = 0;

  fixture() {
    fs::create_directories(dir);
    std::ofstream{path, std::ios::binary} << bytes;
  }

  ~fixture() {
    loop.shutdown();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  void start(const std::string& key) {
    idc_config idc;
    idc.name = "idc1";
    idc.endpoint = s3.endpoint();
    idc.access_key = "S3RVER";
    idc.secret_key = "S3RVER";
    idc.multipart_threshold = part_size + 1;
    idc.part_size = part_size;
    upload_source src;
    src.path = path;
    src.size = bytes.size();
    src.md5 = md5_hex(bytes);
    src.content_type = "application/octet-stream";
    auto sign = sigv4_signer(idc);
    BOOST_REQUIRE(start_s3_upload(loop, &group, idc, "mirror", key,
                                  std::move(src), std::move(sign), 30,
                                  seen.on_saved(), seen.on_done()));
  }

  /// Waits a moment in which an upload that did not wait would have sent
  /// its next part (a 5 MiB read and PUT to loopback takes milliseconds),
  /// and checks that s3rver stored only `parts` parts.
  void check_no_part_beyond(size_t parts) {
    auto until = std::chrono::steady_clock::now() + 1500ms;
    while (std::chrono::steady_clock::now() < until) {
      BOOST_REQUIRE_EQUAL(s3.log_count("Stored part"), parts);
      std::this_thread::sleep_for(50ms);
    }
    std::lock_guard<std::mutex> guard{seen.mtx};
    BOOST_CHECK(!seen.done);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(s3_upload_suite, fixture)

BOOST_AUTO_TEST_CASE(each_part_waits_for_the_record_of_the_one_before) {
  start("waits.bin");
  BOOST_REQUIRE(seen.await([&] { return seen.saved.size() == 1; }));
  {
    std::lock_guard<std::mutex> guard{seen.mtx};
    BOOST_CHECK(!seen.saved[0].upload_id.empty());
    BOOST_CHECK_EQUAL(seen.saved[0].part_size, part_size);
    BOOST_CHECK(seen.saved[0].part_md5s.empty());
  }
  // The remote holds the new upload, and no part of it yet.
  BOOST_CHECK_EQUAL(s3.open_uploads("mirror"), 1u);
  check_no_part_beyond(0);
  seen.answer(1, true);
  // Part 1 goes, and then waits for its record.
  BOOST_REQUIRE(seen.await([&] { return seen.saved.size() == 2; }));
  check_no_part_beyond(1);
  seen.answer(2, true);
  seen.answer(3, true);
  seen.answer(4, true);
  BOOST_REQUIRE(seen.await([&] { return seen.done.has_value(); }));
  BOOST_CHECK_EQUAL(seen.done->first, "");
  BOOST_CHECK(seen.done->second.upload_id.empty());
  BOOST_CHECK_EQUAL(seen.saved.size(), 4u);
  BOOST_CHECK_EQUAL(seen.saved[3].part_md5s.size(), 3u);
  BOOST_CHECK(s3.object("mirror", "waits.bin") == bytes);
  BOOST_CHECK_EQUAL(s3.log_count("Stored part"), 3u);
  BOOST_CHECK_EQUAL(s3.open_uploads("mirror"), 0u);
}

BOOST_AUTO_TEST_CASE(an_upload_whose_record_is_refused_sends_no_part) {
  start("refused.bin");
  seen.answer(1, false);
  BOOST_REQUIRE(seen.await([&] { return seen.done.has_value(); }));
  BOOST_CHECK_MESSAGE(
      seen.done->first.find("cannot record") != std::string::npos,
      seen.done->first);
  // It tried the abort and leaves nothing open for a later attempt: the
  // id was never recorded.
  BOOST_CHECK(seen.done->second.upload_id.empty());
  BOOST_CHECK_EQUAL(s3.log_count("Stored part"), 0u);
  BOOST_CHECK(s3.object("mirror", "refused.bin").empty());
}

BOOST_AUTO_TEST_CASE(a_refused_record_of_a_part_leaves_the_upload_open) {
  start("open.bin");
  seen.answer(1, true);
  seen.answer(2, false);
  BOOST_REQUIRE(seen.await([&] { return seen.done.has_value(); }));
  BOOST_CHECK_MESSAGE(
      seen.done->first.find("cannot record part 1") != std::string::npos,
      seen.done->first);
  // The next attempt continues it after the part the remote holds.
  BOOST_CHECK_EQUAL(seen.done->second.upload_id, seen.saved[0].upload_id);
  BOOST_CHECK_EQUAL(seen.done->second.part_md5s.size(), 1u);
  BOOST_CHECK_EQUAL(s3.log_count("Stored part"), 1u);
  BOOST_CHECK_EQUAL(s3.open_uploads("mirror"), 1u);
}

BOOST_AUTO_TEST_CASE(a_dropped_group_does_not_go_on_after_its_record) {
  start("dropped.bin");
  BOOST_REQUIRE(seen.await([&] { return seen.saved.size() == 1; }));
  loop.drop(&group);
  seen.answer(1, true);
  check_no_part_beyond(0);
}

BOOST_AUTO_TEST_SUITE_END()
