#define BOOST_TEST_MODULE segment_plan
#include <boost/test/unit_test.hpp>

// The part planner and the prefix hasher of segmented downloads, without a
// network: parts, stealing and the control file's text; digests of a file
// that arrives out of order.

#include "actors/prefix_hasher.hpp"
#include "actors/segment_plan.hpp"
#include "actors/segment_state.hpp"

#include <algorithm>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace skyhaul;

namespace {

constexpr uint64_t mib = 1 << 20;

/// Parts cover [0, total) in order, without overlap.
void check_cover(const segment_plan& p) {
  uint64_t at = 0;
  for (auto& s : p.parts()) {
    BOOST_CHECK_EQUAL(s.start, at);
    BOOST_CHECK_GE(s.end, s.start);
    BOOST_CHECK_LE(s.done, s.end - s.start);
    at = s.end;
  }
  BOOST_CHECK_EQUAL(at, p.total());
}

std::string content(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(gen());
  return s;
}

storage::digest_set::result straight(const std::string& data) {
  storage::digest_set ds;
  ds.update(data.data(), data.size());
  return ds.finish();
}

} // namespace

BOOST_AUTO_TEST_CASE(a_large_file_splits_into_equal_parts) {
  segment_plan p(64 * mib, 8, 4 * mib);
  BOOST_REQUIRE_EQUAL(p.parts().size(), 8u);
  for (auto& s : p.parts())
    BOOST_CHECK_EQUAL(s.end - s.start, 8 * mib);
  check_cover(p);
}

BOOST_AUTO_TEST_CASE(no_part_is_smaller_than_the_minimum_split) {
  segment_plan p(10 * mib, 8, 4 * mib);
  BOOST_CHECK_EQUAL(p.parts().size(), 2u);
  check_cover(p);
  segment_plan small(7 * mib, 8, 4 * mib);
  BOOST_CHECK_EQUAL(small.parts().size(), 1u);
  check_cover(small);
  segment_plan odd(64 * mib + 12345, 3, 1 * mib);
  BOOST_CHECK_EQUAL(odd.parts().size(), 3u);
  check_cover(odd);
}

BOOST_AUTO_TEST_CASE(idle_connections_take_free_parts_then_steal_the_largest) {
  segment_plan p(32 * mib, 2, 4 * mib);
  auto a = p.assign(4 * mib);
  auto b = p.assign(4 * mib);
  BOOST_REQUIRE(a && b);
  BOOST_CHECK(*a != *b);
  // The first part is almost done, the second has barely begun.
  p.find(*a)->done = 16 * mib - 1;
  p.find(*b)->done = 1 * mib;
  auto c = p.assign(4 * mib);
  BOOST_REQUIRE(c);
  auto* stolen = p.find(*c);
  auto* victim = p.find(*b);
  BOOST_CHECK_EQUAL(stolen->end, 32 * mib);
  BOOST_CHECK_EQUAL(victim->end, stolen->start);
  // Half of what was left (15 MiB), on a 64 KiB boundary.
  BOOST_CHECK_GE(stolen->start, 16 * mib + 7 * mib);
  BOOST_CHECK_LE(stolen->start, 16 * mib + 9 * mib);
  BOOST_CHECK_EQUAL(stolen->start % (64 * 1024), 0u);
  BOOST_CHECK_EQUAL(stolen->done, 0u);
  check_cover(p);
  BOOST_CHECK_EQUAL(p.done(), 17 * mib - 1);
  BOOST_CHECK_EQUAL(p.prefix(), 16 * mib - 1);
}

BOOST_AUTO_TEST_CASE(a_part_too_small_to_halve_is_not_stolen) {
  segment_plan p(8 * mib, 2, 4 * mib);
  auto a = p.assign(4 * mib);
  auto b = p.assign(4 * mib);
  BOOST_REQUIRE(a && b);
  p.find(*a)->done = 4 * mib;
  p.find(*a)->busy = false;
  p.find(*b)->done = 1 * mib; // 3 MiB left: under twice the minimum
  BOOST_CHECK(!p.assign(4 * mib));
  p.find(*b)->done = 4 * mib;
  BOOST_CHECK(p.complete());
  BOOST_CHECK_EQUAL(p.prefix(), 8 * mib);
}

BOOST_AUTO_TEST_CASE(the_plan_round_trips_through_its_text_and_rejects_gaps) {
  segment_plan p(40 * mib, 4, 4 * mib);
  p.assign(4 * mib);
  p.assign(4 * mib);
  const_cast<segment*>(&p.parts()[1])->done = 123;
  auto back = segment_plan::decode(p.total(), p.encode());
  BOOST_REQUIRE(back);
  BOOST_CHECK_EQUAL(back->encode(), p.encode());
  BOOST_CHECK(!back->parts()[0].busy); // claims do not survive a restart
  BOOST_CHECK(!segment_plan::decode(p.total() + 1, p.encode()));
  BOOST_CHECK(!segment_plan::decode(p.total(), "part 0 10 0\npart 11 "
                                               + std::to_string(40 * mib)
                                               + " 0\n"));
  BOOST_CHECK(!segment_plan::decode(100, "part 0 100 101\n"));
}

BOOST_AUTO_TEST_CASE(the_control_file_is_versioned_and_written_whole) {
  auto dir = std::filesystem::temp_directory_path()
             / ("skyhaul-parts-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto data = (dir / "data").string();
  ::close(::open(data.c_str(), O_WRONLY | O_CREAT, 0644));
  segment_state s;
  s.total = 16 * mib;
  s.validator = "\"v1\"";
  s.url = "http://example.com/f";
  s.file_name = "f.bin";
  s.plan = segment_plan(s.total, 4, 4 * mib);
  BOOST_REQUIRE_EQUAL(write_segment_state(data, s), "");
  auto back = read_segment_state(data);
  BOOST_REQUIRE(back);
  BOOST_CHECK_EQUAL(back->validator, s.validator);
  BOOST_CHECK_EQUAL(back->file_name, "f.bin");
  BOOST_CHECK_EQUAL(back->plan.encode(), s.plan.encode());
  // A newer layout, or a file cut short, is not used.
  auto path = segment_state_path(data);
  auto text = [&] {
    std::string t;
    std::ifstream in(path);
    std::getline(in, t, '\0');
    return t;
  }();
  auto write = [&](const std::string& t) { std::ofstream(path) << t; };
  write("skyhaul-parts 2" + text.substr(text.find('\n')));
  BOOST_CHECK(!read_segment_state(data));
  write(text.substr(0, text.size() - 4));
  BOOST_CHECK(!read_segment_state(data));
  reset_segment_state(data);
  BOOST_CHECK(!std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(the_prefix_hasher_matches_a_straight_hash_in_any_order) {
  auto dir = std::filesystem::temp_directory_path()
             / ("skyhaul-hasher-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "data").string();
  const size_t size = 40 * mib + 777;
  auto data = content(size, 7);
  auto want = straight(data);
  // Window sizes: everything in memory, some, nothing.
  for (uint64_t window : {uint64_t{64 * mib}, uint64_t{3 * mib}, uint64_t{0}}) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    BOOST_REQUIRE(fd >= 0);
    prefix_hasher h(storage::digest_set{}, 0, window);
    // Five streams of 8 MiB interleaved, pieces of 64 KiB to 1 MiB.
    std::mt19937 gen(window + 1);
    std::vector<uint64_t> pos, end;
    for (uint64_t s = 0; s < size; s += 8 * mib) {
      pos.push_back(s);
      end.push_back(std::min<uint64_t>(size, s + 8 * mib));
    }
    for (;;) {
      std::vector<size_t> open;
      for (size_t i = 0; i < pos.size(); ++i)
        if (pos[i] < end[i])
          open.push_back(i);
      if (open.empty())
        break;
      auto i = open[gen() % open.size()];
      auto n = std::min<uint64_t>(end[i] - pos[i], 64 * 1024 + gen() % mib);
      BOOST_REQUIRE_EQUAL(::pwrite(fd, data.data() + pos[i], n, pos[i]),
                          static_cast<ssize_t>(n));
      h.arrived(pos[i], data.data() + pos[i], n);
      pos[i] += n;
      BOOST_REQUIRE(h.advance(fd, 2 * mib, false));
      BOOST_CHECK_LE(h.held(), window);
    }
    BOOST_REQUIRE(h.advance(fd, UINT64_MAX, true));
    BOOST_CHECK_EQUAL(h.frontier(), size);
    auto got = h.finish();
    BOOST_CHECK_EQUAL(got.md5, want.md5);
    BOOST_CHECK_EQUAL(got.sha1, want.sha1);
    BOOST_CHECK_EQUAL(got.crc32, want.crc32);
    ::close(fd);
  }
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_resumed_hasher_goes_on_from_its_prefix_and_the_disk) {
  auto dir = std::filesystem::temp_directory_path()
             / ("skyhaul-resume-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "data").string();
  const size_t size = 12 * mib;
  auto data = content(size, 9);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  BOOST_REQUIRE(fd >= 0);
  // On disk: [0, 3 MiB) and [6 MiB, 9 MiB); the rest arrives later.
  ::pwrite(fd, data.data(), 3 * mib, 0);
  ::pwrite(fd, data.data() + 6 * mib, 3 * mib, 6 * mib);
  storage::digest_set ds;
  BOOST_REQUIRE_EQUAL(storage::feed_file(ds, path, 3 * mib), 3 * mib);
  prefix_hasher h(std::move(ds), 3 * mib, 0);
  h.on_disk(6 * mib, 3 * mib);
  BOOST_REQUIRE(h.advance(fd, UINT64_MAX, true));
  BOOST_CHECK_EQUAL(h.frontier(), 3 * mib); // the gap holds it
  for (uint64_t at : {uint64_t{9 * mib}, uint64_t{3 * mib}}) {
    ::pwrite(fd, data.data() + at, 3 * mib, at);
    h.arrived(at, data.data() + at, 3 * mib);
  }
  BOOST_REQUIRE(h.advance(fd, UINT64_MAX, true));
  BOOST_CHECK_EQUAL(h.frontier(), size);
  BOOST_CHECK_EQUAL(h.finish().sha1, straight(data).sha1);
  ::close(fd);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(the_prefix_hasher_writes_what_arrives_at_the_frontier) {
  auto dir = std::filesystem::temp_directory_path()
             / ("skyhaul-write-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "data").string();
  const size_t size = 10 * mib + 99;
  auto data = content(size, 11);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  BOOST_REQUIRE(fd >= 0);
  {
    prefix_hasher h(storage::digest_set{}, 0, 1 * mib);
    h.write_to(fd, -1);
    // The first half arrives in order and is written by the workers; the
    // second half arrives first, written by the caller.
    auto half = size / 2;
    ::pwrite(fd, data.data() + half, size - half, half);
    h.arrived(half, data.data() + half, size - half);
    for (size_t at = 0; at < half; at += 300000) {
      auto n = std::min<size_t>(300000, half - at);
      BOOST_REQUIRE_EQUAL(h.frontier(), at);
      h.arrived_new(at, data.data() + at, n);
    }
    BOOST_REQUIRE(h.advance(fd, UINT64_MAX, true));
    h.end_writes();
    auto [from, to] = h.unwritten();
    BOOST_CHECK_EQUAL(from, to);
    BOOST_CHECK_EQUAL(h.frontier(), size);
    BOOST_CHECK_EQUAL(h.finish().sha1, straight(data).sha1);
  }
  std::string back(size, '\0');
  BOOST_REQUIRE_EQUAL(::pread(fd, back.data(), size, 0),
                      static_cast<ssize_t>(size));
  BOOST_CHECK(back == data);
  ::close(fd);
  std::filesystem::remove_all(dir);
}
