#define BOOST_TEST_MODULE digest
#include "storage/crc32.hpp"
#include "storage/digest.hpp"
#include "tests/support/reference_digests.hpp"
#include "tests/support/scratch.hpp"

#include <boost/test/unit_test.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <csignal>
#include <cstring>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>
#include <zlib.h>

// MD5, SHA-1 and CRC32 of a stream fed in odd pieces, checked against
// one-shot OpenSSL and zlib, and the stream written to a file by the set's
// writer (O_DIRECT where the file system has it).

using namespace skyhaul;
using namespace skyhaul::storage;

namespace {

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 gen{seed};
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(gen());
  return out;
}

/// Feeds `data` in pieces of varying, mostly unaligned sizes; with
/// `flush_at`, flushes whenever that many bytes wait (a slow download).
void feed(digest_set& ds, const std::string& data,
          const std::vector<size_t>& sizes = {1, 4095, 70000, 1 << 20,
                                              333333, 17, 2 << 20},
          size_t flush_at = 0) {
  size_t off = 0;
  for (size_t i = 0; off < data.size(); ++i) {
    auto n = std::min(sizes[i % sizes.size()], data.size() - off);
    ds.update(data.data() + off, n);
    off += n;
    if (flush_at > 0 && ds.buffered() >= flush_at)
      ds.flush();
  }
}

/// A new file at `path` to write the stream to.
int create_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  BOOST_REQUIRE(fd >= 0);
  return fd;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

void check_digests(const digest_set::result& r, const std::string& data) {
  BOOST_CHECK_EQUAL(r.md5, test::digest_of(EVP_md5(), data));
  BOOST_CHECK_EQUAL(r.sha1, test::digest_of(EVP_sha1(), data));
  BOOST_CHECK_EQUAL(r.crc32, test::crc32_of(data));
}

} // namespace

BOOST_AUTO_TEST_CASE(digests_of_a_stream_fed_in_odd_pieces) {
  auto data = random_bytes((5 << 20) + 123, 1);
  digest_set ds;
  feed(ds, data);
  BOOST_CHECK_EQUAL(ds.size(), data.size());
  check_digests(ds.finish(), data);
  // The set is fresh again: an empty stream.
  check_digests(ds.finish(), std::string{});
}

BOOST_AUTO_TEST_CASE(a_resumed_stream_is_written_after_its_prefix) {
  test::scratch dir{"skyhaul-digest"};
  auto path = dir.dir + "/partial";
  auto data = random_bytes((3 << 20) + 5000, 2);
  // 1000 bytes are on disk already: hashed again, not written again.
  size_t prefix = 1000;
  { std::ofstream{path, std::ios::binary} << data.substr(0, prefix); }
  digest_set ds;
  BOOST_CHECK_EQUAL(feed_file(ds, path, prefix), prefix);
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);
  int direct = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  ds.write_to(fd, direct, prefix);
  feed(ds, data.substr(prefix));
  auto r = ds.finish();
  BOOST_CHECK(ds.write_error().empty());
  check_digests(r, data);
  if (direct >= 0)
    ::close(direct);
  ::close(fd);
  auto on_disk = read_file(path);
  BOOST_CHECK_EQUAL(on_disk.size(), data.size());
  BOOST_CHECK(on_disk == data);
}

BOOST_AUTO_TEST_CASE(end_writes_flushes_a_partial_chunk) {
  test::scratch dir{"skyhaul-digest"};
  auto path = dir.dir + "/partial";
  int fd = create_file(path);
  digest_set ds;
  ds.write_to(fd, -1, 0);
  ds.update("0123456789", 10);
  BOOST_CHECK(ds.end_writes().empty());
  // Bytes fed after end_writes are hashed, not written.
  ds.update("abc", 3);
  ds.finish();
  ::close(fd);
  BOOST_CHECK_EQUAL(read_file(path), "0123456789");
}

BOOST_AUTO_TEST_CASE(a_stream_flushed_early_stays_exact) {
  // A slow download flushes each few KiB; the flushed chunks give their
  // pages back and are used again. File and digests stay those of the
  // stream, across chunk boundaries.
  test::scratch dir{"skyhaul-digest"};
  auto path = dir.dir + "/partial";
  int fd = create_file(path);
  digest_set ds;
  ds.write_to(fd, -1, 0);
  auto data = random_bytes((3 << 20) + 4321, 9);
  feed(ds, data, {1000, 8192, 1, 4095, 12000, 777}, 8192);
  auto r = ds.finish();
  ::close(fd);
  BOOST_CHECK(ds.write_error().empty());
  check_digests(r, data);
  BOOST_CHECK(read_file(path) == data);
}

BOOST_AUTO_TEST_CASE(a_failing_write_is_reported) {
  test::scratch dir{"skyhaul-digest"};
  auto path = dir.dir + "/partial";
  { std::ofstream{path}; }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);
  digest_set ds;
  ds.write_to(fd, -1, 0);
  auto data = random_bytes(3 << 20, 3);
  feed(ds, data);
  auto r = ds.finish();
  ::close(fd);
  BOOST_CHECK(!ds.write_error().empty());
  // The digests still cover the stream.
  check_digests(r, data);
  ds.reset();
  BOOST_CHECK(ds.write_error().empty());
}

BOOST_AUTO_TEST_CASE(crc32_matches_zlib_at_every_length_and_alignment) {
  auto data = random_bytes((1 << 20) + 777, 4);
  auto bytes = reinterpret_cast<const unsigned char*>(data.data());
  for (size_t len = 0; len < 600; ++len)
    for (size_t off = 0; off < 16; off += 5) {
      auto want = crc32_z(0, bytes + off, len);
      BOOST_REQUIRE_MESSAGE(crc32_update(0, bytes + off, len) == want,
                            "length " << len << " at offset " << off);
    }
  // A stream in uneven pieces, continuing one value.
  uint32_t crc = 0;
  size_t pos = 0;
  for (size_t step = 1; pos < data.size(); step = step * 3 + 1) {
    auto n = std::min(step % 70001, data.size() - pos);
    crc = crc32_update(crc, bytes + pos, n);
    pos += n;
  }
  BOOST_CHECK_EQUAL(crc, crc32_z(0, bytes, data.size()));
}

BOOST_AUTO_TEST_CASE(crc32_copy_copies_and_matches_zlib_at_every_length) {
  auto data = random_bytes((1 << 20) + 777, 5);
  auto bytes = reinterpret_cast<const unsigned char*>(data.data());
  std::vector<unsigned char> to(data.size() + 64);
  for (size_t len = 0; len < 600; ++len)
    for (size_t off = 0; off < 16; off += 5) {
      std::fill(to.begin(), to.end(), 0xa5);
      auto got = crc32_copy(7, to.data() + off + 1, bytes + off, len);
      BOOST_REQUIRE_MESSAGE(got == crc32_z(7, bytes + off, len),
                            "length " << len << " at offset " << off);
      BOOST_REQUIRE(std::memcmp(to.data() + off + 1, bytes + off, len) == 0);
      // Not a byte beyond.
      BOOST_REQUIRE_EQUAL(to[off + 1 + len], 0xa5);
      BOOST_REQUIRE_EQUAL(to[off], 0xa5);
    }
  auto crc = crc32_copy(0, to.data(), bytes, data.size());
  BOOST_CHECK_EQUAL(crc, crc32_z(0, bytes, data.size()));
  BOOST_CHECK(std::memcmp(to.data(), bytes, data.size()) == 0);
}

BOOST_AUTO_TEST_CASE(a_failed_write_leaves_a_prefix_of_the_stream) {
  test::scratch dir{"skyhaul-digest"};
  auto path = dir.dir + "/partial";
  int fd = create_file(path);
  // Writes past 2.5 MiB fail (EFBIG): the chunk across the limit is cut
  // short, and every later one must stay out of the file.
  rlimit old{};
  BOOST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = (5u << 20) / 2;
  BOOST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  auto data = random_bytes(4 << 20, 5);
  digest_set ds;
  ds.write_to(fd, -1, 0);
  feed(ds, data);
  ds.finish();
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  ::close(fd);
  BOOST_CHECK(!ds.write_error().empty());
  auto on_disk = read_file(path);
  BOOST_CHECK_EQUAL(on_disk.size(), 2u << 20);
  BOOST_CHECK(on_disk == data.substr(0, on_disk.size()));
}
