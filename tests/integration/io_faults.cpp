#define BOOST_TEST_MODULE io_faults_integration
#include <boost/test/unit_test.hpp>

// I/O errors below the real skyhauld: tests/support/fault_shim.c, preloaded
// into the daemon, makes write, fsync and rename fail with EIO on chosen
// paths (the partial file, the blob store, LMDB's data file) while a
// download from the local origin runs. Each case checks what the task does
// (it fails with a message that names the I/O error, and a resume after the
// fault is lifted finishes byte-exact), that no half object is visible (no
// download link, no blob without its object), that the daemon keeps
// serving, and that a restart loses nothing that was acknowledged.

#include "tests/support/daemon.hpp"
#include "tests/support/origin.hpp"
#include "tests/support/task_calls.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace skyhaul::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The shim's control file, in a folder of its own (outside the data dir,
/// so no rule matches it by accident).
struct fault_control {
  std::string dir;
  std::string ctl;
  fault_control() {
    char tmpl[] = "/tmp/skyhaul-faults-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    ctl = dir + "/ctl";
    set("");
  }
  ~fault_control() {
    std::error_code err;
    fs::remove_all(dir, err);
  }
  /// Replaces the rules at once (a rename over the control file).
  void set(const std::string& rules) {
    auto tmp = ctl + ".new";
    {
      std::ofstream out{tmp, std::ios::trunc};
      out << rules << "\n";
    }
    fs::rename(tmp, ctl);
  }
  void clear() {
    set("");
  }
  /// The failures the shim caused so far, one line each.
  std::vector<std::string> hits() const {
    std::vector<std::string> out;
    std::istringstream in{slurp(ctl + ".hits")};
    for (std::string line; std::getline(in, line);)
      if (!line.empty())
        out.push_back(line);
    return out;
  }
};

/// Regular files under `dir`.
size_t files_under(const std::string& dir) {
  size_t n = 0;
  std::error_code err;
  for (auto it = fs::recursive_directory_iterator(dir, err);
       !err && it != fs::recursive_directory_iterator(); it.increment(err))
    if (it->is_regular_file())
      ++n;
  return n;
}

struct fixture {
  origin org;
  fault_control faults;
  server_process d;
  /// Every task the daemon acknowledged, with its size at the origin.
  std::map<std::string, size_t> acked;
  /// The tasks that finished (their objects must stay byte-exact).
  std::map<std::string, size_t> finished;
  size_t next_size = 100000;

  explicit fixture(std::vector<std::string> flags
                   = {"--max-tries=2", "--retry-base-ms=50",
                      "--retry-max-ms=100", "--split=1"})
    : d(std::move(flags)) {
    d.set_env("LD_PRELOAD", SKYHAUL_FAULT_SHIM);
    d.set_env("SKYHAUL_FAULTS", faults.ctl);
    // An instrumented daemon (make sanitize) accepts a library before its
    // runtime.
    std::string asan = std::getenv("ASAN_OPTIONS") != nullptr
                           ? std::getenv("ASAN_OPTIONS")
                           : "";
    d.set_env("ASAN_OPTIONS",
              asan + (asan.empty() ? "" : ":") + "verify_asan_link_order=0");
    d.start();
  }

  /// A size no other download of the case has, so each object is a blob of
  /// its own.
  size_t fresh_size(size_t at_least) {
    next_size = std::max(next_size + 4099, at_least);
    return next_size;
  }

  std::string submit(size_t size, const std::string& key) {
    auto tid = create(d, R"({"url":")" + org.url("/file/" + std::to_string(size))
                             + R"(","key":")" + key + R"("})");
    acked[tid] = size;
    return tid;
  }

  std::string await_end(const std::string& tid) {
    auto body = d.await_status(tid, ended(), 60s);
    BOOST_REQUIRE_MESSAGE(ended()(body), tid << " did not end: " << body);
    BOOST_TEST_MESSAGE(tid << ": " << body);
    return body;
  }

  /// Downloads a fresh file and requires its byte-exact object.
  void finishes_exact(const std::string& key, size_t at_least = 0) {
    auto size = fresh_size(at_least);
    auto tid = submit(size, key);
    auto body = await_end(tid);
    BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
    BOOST_CHECK(object_bytes(d, tid) == origin_content(size));
    finished[tid] = size;
  }

  /// The task failed, names the I/O error, and shows no object.
  void failed_clearly(const std::string& tid, const std::string& body) {
    BOOST_CHECK_EQUAL(state_of(body), "failed");
    auto msg = json_field(body, "detail.error.message");
    BOOST_CHECK_MESSAGE(msg.find("Input/output error") != std::string::npos,
                        "the error does not name the I/O error: " << body);
    BOOST_CHECK_EQUAL(json_field(body, "detail.error.code"), "internal_error");
    auto info = d.api("GET", "/task/tid/" + tid + "/info");
    BOOST_CHECK_EQUAL(info.status, 200);
    BOOST_CHECK_MESSAGE(info.body.find("/download/") == std::string::npos,
                        "a failed task shows an object: " << info.body);
  }

  /// A failed task resumed after the fault is lifted ends byte-exact.
  void resume_finishes(const std::string& tid) {
    auto res = d.api("PUT", "/task/tid/" + tid + "?act=resume");
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
    auto body = await_end(tid);
    BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
    BOOST_CHECK(object_bytes(d, tid) == origin_content(acked[tid]));
    finished[tid] = acked[tid];
  }

  /// No blob without its object: one blob file per finished download
  /// (each has content of its own).
  void blobs_match_objects() {
    BOOST_CHECK_EQUAL(files_under(d.data_dir() + "/blobs"), finished.size());
  }

  /// /healthz answers and a new download finishes byte-exact.
  void still_serving(const std::string& key) {
    BOOST_CHECK_EQUAL(http("GET", d.url() + "/healthz").status, 200);
    finishes_exact(key);
  }

  /// After a restart every acknowledged task is there, every finished
  /// object byte-exact, and still one blob per object.
  void restart_loses_nothing() {
    d.stop(SIGTERM);
    faults.clear();
    d.start();
    for (auto& [tid, size] : acked) {
      auto res = d.api("GET", "/task/tid/" + tid + "/status");
      BOOST_CHECK_MESSAGE(res.status == 200,
                          "task " << tid << " lost: " << res.body);
    }
    for (auto& [tid, size] : finished) {
      auto body = d.api("GET", "/task/tid/" + tid + "/status").body;
      BOOST_CHECK_MESSAGE(state_of(body) == "finished", body);
      BOOST_CHECK(object_bytes(d, tid) == origin_content(size));
    }
    blobs_match_objects();
  }

  /// Arms `rule`, downloads a fresh file of at least `size` bytes, lifts the
  /// fault; returns the task and its status at the end.
  std::pair<std::string, std::string> under_fault(const std::string& rule,
                                                  size_t size,
                                                  const std::string& key) {
    faults.set(rule);
    auto tid = submit(fresh_size(size), key);
    auto body = await_end(tid);
    faults.clear();
    BOOST_TEST_MESSAGE("faults: " << faults.hits().size());
    for (auto& h : faults.hits())
      BOOST_TEST_MESSAGE("  " << h);
    return {tid, body};
  }

  /// The common course of a fault that fails its task: a download before
  /// it finishes byte-exact; under `rule` (hit once) a fresh one fails with
  /// a clear error and leaves no blob without its object; the daemon still
  /// serves; a resume finishes the failed task; a restart loses nothing.
  void fault_fails_then_recovers(const std::string& rule, size_t size,
                                 const std::string& key,
                                 size_t before_at_least = 0) {
    finishes_exact("before.bin", before_at_least);
    auto [tid, body] = under_fault(rule, size, key);
    BOOST_REQUIRE_EQUAL(faults.hits().size(), 1u);
    failed_clearly(tid, body);
    blobs_match_objects();
    still_serving("after.bin");
    resume_finishes(tid);
    restart_loses_nothing();
  }
};

/// Segmented downloads: 4 MB files go in four 1 MB parts, with a control
/// file beside the partial file.
struct segmented_fixture : fixture {
  segmented_fixture()
    : fixture({"--max-tries=2", "--retry-base-ms=50", "--retry-max-ms=100",
               "--split=4", "--min-split-size=1048576"}) {
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(io_faults, fixture)

BOOST_AUTO_TEST_CASE(a_failed_write_of_the_partial_file_fails_the_task) {
  fault_fails_then_recovers("write EIO /partial/ 1", 3 << 20, "w.bin");
}

BOOST_AUTO_TEST_CASE(a_failed_fsync_of_the_partial_file_fails_the_task) {
  fault_fails_then_recovers("fsync EIO /partial/ 1", 1 << 20, "f.bin");
}

BOOST_AUTO_TEST_CASE(nothing_writes_into_the_blob_store) {
  // Blobs are renamed partial files: a write rule on blobs/ never fires
  // and the download finishes.
  auto [tid, body] = under_fault("write EIO /blobs/", 1 << 20, "wb.bin");
  BOOST_CHECK_EQUAL(faults.hits().size(), 0u);
  BOOST_REQUIRE_MESSAGE(state_of(body) == "finished", body);
  BOOST_CHECK(object_bytes(d, tid) == origin_content(acked[tid]));
  finished[tid] = acked[tid];
  blobs_match_objects();
  restart_loses_nothing();
}

BOOST_AUTO_TEST_CASE(a_failed_rename_into_the_blob_store_fails_the_task) {
  fault_fails_then_recovers("rename EIO /blobs/ 1", 1 << 20, "r.bin");
}

BOOST_AUTO_TEST_CASE(a_failed_fsync_of_the_blob_folder_leaves_no_orphan) {
  // The file is synced, renamed into blobs/, then its folder is synced:
  // that last fsync fails, after the rename.
  fault_fails_then_recovers("fsync EIO /blobs/ 1", 1 << 20, "fb.bin");
}

BOOST_AUTO_TEST_CASE(a_failed_commit_of_an_object_leaves_no_orphan) {
  // The commit right after the download moved into blobs/ fails: the blob
  // must go back, as its object was never written.
  fault_fails_then_recovers("fsync EIO data.mdb 1 after=/blobs/", 1 << 20,
                            "c.bin");
}

BOOST_AUTO_TEST_CASE(
    a_task_whose_end_finds_no_room_stores_it_once_room_returns) {
  // From the move into blobs/ on, every write of the database finds a full
  // disk: the object's commit fails, and so does the put of the task's
  // failed record. The task keeps it and puts it again until there is
  // room; until then its status is the stored one.
  finishes_exact("before.bin");
  faults.set("write ENOSPC data.mdb * after=/blobs/");
  auto tid = submit(fresh_size(1 << 20), "room.bin");
  auto log_has = [&](const std::string& text) {
    return slurp(d.data_dir() + "/skyhauld.log").find(text)
           != std::string::npos;
  };
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!log_has("waits for room to store its end")
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  BOOST_REQUIRE_MESSAGE(log_has("waits for room to store its end"),
                        slurp(d.data_dir() + "/skyhauld.log"));
  BOOST_CHECK_GE(faults.hits().size(), 2u);
  auto waiting = d.api("GET", "/task/tid/" + tid + "/status").body;
  BOOST_CHECK_MESSAGE(state_of(waiting) == "downloading", waiting);
  BOOST_CHECK_MESSAGE(json_field(waiting, "detail.waiting_for") == "storage",
                      waiting);
  // Room again: the end is stored, with the reason, and nothing else moved.
  faults.clear();
  auto body = await_end(tid);
  BOOST_CHECK_EQUAL(state_of(body), "failed");
  BOOST_CHECK_EQUAL(json_field(body, "detail.error.code"),
                    "insufficient_storage");
  BOOST_CHECK_MESSAGE(
      json_field(body, "detail.error.message").find("No space left on device")
          != std::string::npos,
      body);
  BOOST_CHECK(log_has("stored its end"));
  BOOST_CHECK_MESSAGE(body.find("waiting_for") == std::string::npos, body);
  blobs_match_objects();
  still_serving("after.bin");
  resume_finishes(tid);
  restart_loses_nothing();
}

BOOST_AUTO_TEST_CASE(a_failed_lmdb_fsync_is_never_acknowledged) {
  finishes_exact("before.bin");
  // Every commit fails while the rule stands: the request gets no success.
  faults.set("fsync EIO data.mdb");
  auto res = d.api("POST", "/task",
                   R"({"url":")" + org.url("/file/5001")
                       + R"(","key":"refused.bin"})");
  auto hits = faults.hits().size();
  faults.clear();
  BOOST_TEST_MESSAGE("POST /task under the fault: " << res.status << " "
                                                    << res.body);
  BOOST_CHECK_GE(hits, 1u);
  if (d.running()) {
    BOOST_CHECK_NE(res.status, 200);
    BOOST_CHECK_NE(json_field(res.body, "status"), "success");
    BOOST_CHECK_MESSAGE(res.body.find("Input/output error") != std::string::npos,
                        res.body);
    still_serving("after.bin");
  } else {
    // The daemon chose to stop: the request must not have been answered
    // with a success.
    BOOST_CHECK_NE(json_field(res.body, "status"), "success");
    BOOST_TEST_MESSAGE("the daemon exited: " << d.stop(SIGKILL));
    d.start();
  }
  // Nothing beyond what was acknowledged: the refused task does not exist.
  auto list = d.api("GET", "/task/list");
  BOOST_CHECK_EQUAL(list.status, 200);
  BOOST_CHECK_MESSAGE(list.body.find("/file/5001") == std::string::npos,
                      list.body);
  restart_loses_nothing();
  BOOST_CHECK(d.api("GET", "/task/list").body.find("/file/5001")
              == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(io_faults_segmented, segmented_fixture)

BOOST_AUTO_TEST_CASE(a_failed_rename_of_the_control_file_fails_the_task) {
  // The control file (partial/<tid>/data.parts) is written beside the
  // partial file and renamed into place before the first part starts.
  fault_fails_then_recovers("rename EIO data.parts 1", 4 << 20, "rp.bin",
                            4 << 20);
}

BOOST_AUTO_TEST_CASE(a_failed_write_of_a_part_fails_the_task) {
  fault_fails_then_recovers("write EIO /data$ 1", 4 << 20, "wp.bin", 4 << 20);
}

BOOST_AUTO_TEST_SUITE_END()
