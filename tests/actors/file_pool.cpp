#define BOOST_TEST_MODULE file_pool
#include <boost/test/unit_test.hpp>

// The bounded pool of output files and the digest set's borrowed writes:
// more files than descriptors, every byte where it belongs; a write that
// finds no descriptor fails with nothing written, as a want of
// descriptors and not a disk error.

#include "actors/fd_budget.hpp"
#include "actors/file_pool.hpp"
#include "storage/digest.hpp"

#include "tests/support/scratch.hpp"

#include <cerrno>
#include <dirent.h>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace skyhaul;

namespace {

std::string content(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(gen());
  return s;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Descriptors of this process now.
size_t open_fds() {
  size_t n = 0;
  if (auto* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr)
      ++n;
    ::closedir(d);
  }
  return n;
}

void touch(const std::string& path) {
  std::ofstream{path, std::ios::binary};
}

/// A file whose descriptors cannot be had.
struct exhausted_target : storage::write_target {
  int err;
  explicit exhausted_target(int e) : err(e) {
  }
  int acquire(bool) override {
    errno = err;
    return -1;
  }
  void release(int) override {
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(the_capacity_is_a_share_of_the_limit) {
  BOOST_CHECK_EQUAL(file_pool::capacity_for(20000), 512u);
  BOOST_CHECK_EQUAL(file_pool::capacity_for(1024), 32u);
  BOOST_CHECK_EQUAL(file_pool::capacity_for(16), 4u);
}

BOOST_AUTO_TEST_CASE(many_files_share_few_descriptors) {
  test::scratch dir{"skyhaul-file-pool"};
  auto pool = std::make_shared<file_pool>(3);
  constexpr size_t files = 12;
  // Sizes that end off a chunk and off a page: full chunks go through
  // O_DIRECT where the file system has it, the tails through the page
  // cache.
  const size_t sizes[] = {(3 << 20) + 4097, 1 << 20, 777, (2 << 20) + 8192};
  std::vector<std::string> paths, expected;
  std::vector<std::shared_ptr<pooled_file>> targets;
  std::vector<storage::digest_set> sets(files);
  auto before = open_fds();
  for (size_t i = 0; i < files; ++i) {
    paths.push_back(dir.dir + "/f" + std::to_string(i));
    touch(paths.back());
    expected.push_back(content(sizes[i % 4], static_cast<uint32_t>(i)));
    targets.push_back(pool->file(paths.back()));
    sets[i].write_to(targets.back(), 0);
  }
  // Interleaved as concurrent downloads arrive: small pieces in turn.
  constexpr size_t piece = 64 * 1024 + 13;
  for (size_t at = 0; at < (4u << 20); at += piece)
    for (size_t i = 0; i < files; ++i)
      if (at < expected[i].size())
        sets[i].update(expected[i].data() + at,
                       std::min(piece, expected[i].size() - at));
  for (size_t i = 0; i < files; ++i) {
    BOOST_CHECK(sets[i].end_writes().empty());
    BOOST_CHECK(sets[i].unwritten().first == sets[i].unwritten().second);
    BOOST_CHECK_LE(pool->open_count(), 3u);
  }
  BOOST_CHECK_LE(open_fds(), before + 3);
  for (size_t i = 0; i < files; ++i)
    BOOST_CHECK(read_all(paths[i]) == expected[i]);
  // Each file was opened again after others took its place: the pool
  // closed the least recently used.
  BOOST_CHECK_GT(pool->opened_total(), 3u);
  for (auto& t : targets)
    t->close();
  BOOST_CHECK_EQUAL(pool->open_count(), 0u);
  BOOST_CHECK_EQUAL(open_fds(), before);
}

BOOST_AUTO_TEST_CASE(a_slow_download_holds_no_descriptor_between_chunks) {
  test::scratch dir{"skyhaul-file-pool"};
  auto pool = std::make_shared<file_pool>(8);
  auto path = dir.dir + "/slow";
  touch(path);
  auto target = pool->file(path);
  storage::digest_set ds;
  ds.write_to(target, 0);
  auto body = content((1 << 20) + 5000, 7);
  // A kilobyte at a time: kept in memory until its chunk is full.
  for (size_t at = 0; at < (1u << 20) - 1024; at += 1024)
    ds.update(body.data() + at, 1024);
  BOOST_CHECK_EQUAL(pool->open_count(), 0u);
  BOOST_CHECK_EQUAL(read_all(path).size(), 0u);
  ds.update(body.data() + (1 << 20) - 1024, body.size() - (1 << 20) + 1024);
  ds.end_writes();
  BOOST_CHECK(read_all(path) == body);
  // Idle descriptors stay in the pool until it needs room or the file
  // closes.
  BOOST_CHECK_GE(pool->open_count(), 1u);
  target->close();
  BOOST_CHECK_EQUAL(pool->open_count(), 0u);
}

BOOST_AUTO_TEST_CASE(no_descriptor_is_a_want_of_descriptors_not_a_cut) {
  test::scratch dir{"skyhaul-file-pool"};
  auto path = dir.dir + "/kept";
  auto prefix = content(10000, 3);
  std::ofstream{path, std::ios::binary} << prefix;
  for (int err : {EMFILE, ENFILE}) {
    storage::digest_set ds;
    ds.write_to(std::make_shared<exhausted_target>(err), prefix.size());
    auto more = content(3 << 20, 4);
    ds.update(more.data(), more.size());
    auto msg = ds.end_writes();
    BOOST_CHECK(descriptors_exhausted(msg));
    // Nothing was written, and the prefix on disk is whole.
    BOOST_CHECK(read_all(path) == prefix);
  }
  BOOST_CHECK(!descriptors_exhausted(std::string{"No space left on device"}));
  BOOST_CHECK(!descriptors_exhausted(std::string{}));
}

BOOST_AUTO_TEST_CASE(a_flushed_chunk_lands_and_later_chunks_stay_aligned) {
  test::scratch dir{"skyhaul-file-pool"};
  auto pool = std::make_shared<file_pool>(2);
  auto path = dir.dir + "/flushed";
  touch(path);
  auto target = pool->file(path);
  storage::digest_set ds, whole;
  ds.write_to(target, 0);
  auto body = content((3 << 20) + 123, 9);
  size_t at = 0;
  // Pieces written as they come (a slow download), then full chunks.
  for (int i = 0; i < 10; ++i, at += 20000) {
    ds.update(body.data() + at, 20000);
    BOOST_CHECK_EQUAL(ds.buffered(), 20000u);
    ds.flush();
    BOOST_CHECK_EQUAL(ds.buffered(), 0u);
  }
  ds.update(body.data() + at, body.size() - at);
  ds.end_writes();
  BOOST_CHECK(read_all(path) == body);
  whole.update(body.data(), body.size());
  BOOST_CHECK_EQUAL(ds.finish().sha1, whole.finish().sha1);
}
