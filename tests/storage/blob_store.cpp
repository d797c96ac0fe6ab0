#define BOOST_TEST_MODULE blob_store
#include "storage/blob_store.hpp"
#include "tests/support/scratch.hpp"

#include <boost/test/unit_test.hpp>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <cstdio>

// A task's partial folder is removed whole, also while a late writer
// (a parts checkpoint: a temporary file renamed into place) still runs.

using namespace skyhaul;
namespace fs = std::filesystem;

namespace {

/// Writes `dir`/data.parts as the checkpoint does, by path: a temporary
/// file renamed into place. Failures (the folder is gone) are ignored.
void checkpoint(const std::string& dir) {
  auto tmp = dir + "/data.parts.tmp";
  if (std::FILE* f = std::fopen(tmp.c_str(), "w")) {
    std::fputs("parts\n", f);
    std::fclose(f);
    std::rename(tmp.c_str(), (dir + "/data.parts").c_str());
  }
}

} // namespace

BOOST_AUTO_TEST_CASE(a_partial_folder_is_removed_with_its_files) {
  test::scratch data{"skyhaul-blobs"};
  storage::blob_store blobs{data.dir};
  auto dir = blobs.partial_dir(7);
  fs::create_directories(dir + "/sub");
  std::ofstream{blobs.partial_file(7)} << "bytes";
  std::ofstream{dir + "/sub/f"} << "more";
  blobs.remove_partial(7);
  BOOST_CHECK(!fs::exists(dir));
  BOOST_CHECK(!fs::exists(dir + storage::blob_store::gone_suffix));
  // No folder: nothing to do, no error.
  blobs.remove_partial(7);
  BOOST_CHECK(fs::is_empty(data.dir + "/partial"));
}

BOOST_AUTO_TEST_CASE(a_late_writer_leaves_nothing_behind) {
  test::scratch data{"skyhaul-blobs"};
  storage::blob_store blobs{data.dir};
  for (task_seq seq = 1; seq <= 300; ++seq) {
    auto dir = blobs.partial_dir(seq);
    fs::create_directories(dir);
    for (int i = 0; i < 20; ++i)
      std::ofstream{dir + "/f" + std::to_string(i)} << i;
    std::atomic<bool> removed{false};
    std::thread writer{[&] {
      // Writes on until well after the removal has returned.
      for (int after = 0; after < 20;) {
        checkpoint(dir);
        if (removed.load())
          ++after;
      }
    }};
    blobs.remove_partial(seq);
    removed.store(true);
    writer.join();
    BOOST_REQUIRE_MESSAGE(!fs::exists(dir), dir << " is left behind");
    BOOST_REQUIRE(!fs::exists(dir + storage::blob_store::gone_suffix));
  }
}

BOOST_AUTO_TEST_CASE(a_removal_a_crash_cut_short_is_finished_at_start) {
  test::scratch data{"skyhaul-blobs"};
  storage::blob_store blobs{data.dir};
  auto halfway = blobs.partial_dir(3) + storage::blob_store::gone_suffix;
  fs::create_directories(halfway);
  std::ofstream{halfway + "/data"} << "bytes";
  auto live = blobs.partial_dir(4);
  fs::create_directories(live);
  blobs.remove_halfway_partials();
  BOOST_CHECK(!fs::exists(halfway));
  // A task's own folder is not the sweep's to take.
  BOOST_CHECK(fs::exists(live));
}
