#define BOOST_TEST_MODULE archive
#include "storage/archive.hpp"

#include "protocol/codec.hpp"
#include "storage/archive_cache.hpp"
#include "tests/support/scratch.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

using namespace skyhaul;
using namespace skyhaul::storage;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

void spit(const std::string& path, const std::string& bytes,
          std::ios::openmode mode = std::ios::trunc) {
  std::ofstream out{path, std::ios::binary | mode};
  out << bytes;
}

/// Bytes that do not compress: the archives' honest files must not look
/// like bombs.
std::string noise(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  for (auto& c : out) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return out;
}

/// Runs a shell command in `dir`; fails the test when it fails.
void sh(const std::string& dir, const std::string& cmd) {
  auto full = "cd '" + dir + "' && " + cmd;
  BOOST_TEST_INFO("command: " << full);
  BOOST_REQUIRE_EQUAL(std::system(full.c_str()), 0);
}

using file_map = std::map<std::string, std::string>; // path -> bytes

/// A folder `src` with three files in two folders and an empty folder,
/// and the archives of it that the real tools make.
struct fixture {
  test::scratch tmp{"skyhaul-archive"};
  std::string dir = tmp.dir;
  file_map files{{"a.txt", "hello, archive\n"},
                 {"sub/b.bin", noise(100000, 7)},
                 {"sub/deeper/c.txt", std::string(3000, 'c')}};

  fixture() {
    for (auto& [path, bytes] : files) {
      fs::create_directories(fs::path(dir + "/src/" + path).parent_path());
      spit(dir + "/src/" + path, bytes);
    }
    fs::create_directories(dir + "/src/empty");
  }

  std::string path(const std::string& name) const {
    return dir + "/" + name;
  }

  /// Checks that `listing` lists exactly `files`, numbered 1..n, and
  /// that every entry extracts to its bytes.
  void check_archive(const std::string& name) {
    BOOST_TEST_CONTEXT("archive " << name) {
      auto file = path(name);
      auto listing = list_archive(file, {});
      BOOST_REQUIRE_MESSAGE(listing.error.empty(), listing.error);
      BOOST_REQUIRE(listing.is_archive);
      BOOST_REQUIRE_EQUAL(listing.files.size(), files.size());
      uint32_t n = 0;
      for (auto& e : listing.files) {
        BOOST_TEST_CONTEXT("entry " << e.path) {
          BOOST_CHECK_EQUAL(e.index, ++n);
          auto it = files.find(e.path);
          BOOST_REQUIRE(it != files.end());
          BOOST_CHECK_EQUAL(e.size, it->second.size());
          auto out = path("out-" + std::to_string(e.index));
          BOOST_REQUIRE_EQUAL(extract_archive_entry(file, e.index, out, {}),
                              "");
          BOOST_CHECK(slurp(out) == it->second);
        }
      }
      auto out = path("out-none");
      BOOST_CHECK_NE(extract_archive_entry(file, 0, out, {}), "");
      BOOST_CHECK_NE(extract_archive_entry(file, n + 1, out, {}), "");
      BOOST_CHECK(!fs::exists(out));
    }
  }

  /// The refusal of a malicious archive: recognised, nothing listed,
  /// the reason names `what`. Extraction checks the entries up to the one
  /// it wants, so `first_refused` says whether the first file is refused
  /// too (the culprit comes first, or is the first file).
  void check_refused(const std::string& name, const std::string& what,
                     const archive_limits& limits = {},
                     bool first_refused = true) {
    BOOST_TEST_CONTEXT("archive " << name) {
      auto file = path(name);
      auto listing = list_archive(file, limits);
      BOOST_CHECK(listing.is_archive);
      BOOST_CHECK(listing.files.empty());
      BOOST_CHECK_MESSAGE(listing.error.find(what) != std::string::npos,
                          "error '" << listing.error << "' lacks '" << what
                                    << "'");
      auto out = path("out-refused");
      if (first_refused) {
        BOOST_CHECK_NE(extract_archive_entry(file, 1, out, limits), "");
        BOOST_CHECK(!fs::exists(out));
      }
      // No file past the culprit is handed out.
      BOOST_CHECK_NE(extract_archive_entry(file, 10, out, limits), "");
      BOOST_CHECK(!fs::exists(out));
    }
  }
};

/// Offset of the last `sig` in `bytes`.
size_t rfind_sig(const std::string& bytes, const char* sig) {
  auto at = bytes.rfind(std::string(sig, 4));
  BOOST_REQUIRE(at != std::string::npos);
  return at;
}

void put_le32(std::string& bytes, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(archive, fixture)

BOOST_AUTO_TEST_CASE(zip) {
  sh(dir + "/src", "zip -qr ../t.zip .");
  check_archive("t.zip");
}

BOOST_AUTO_TEST_CASE(tar_and_its_compressions) {
  sh(dir, "tar -C src -cf t.tar .");
  sh(dir, "tar -C src -czf t.tar.gz .");
  sh(dir, "tar -C src -cjf t.tar.bz2 .");
  sh(dir, "tar -C src -cJf t.tar.xz .");
  sh(dir, "tar -C src --zstd -cf t.tar.zst .");
  for (auto name : {"t.tar", "t.tar.gz", "t.tar.bz2", "t.tar.xz", "t.tar.zst"})
    check_archive(name);
}

BOOST_AUTO_TEST_CASE(seven_zip) {
  sh(dir + "/src", "7z a -bso0 -bsp0 ../t.7z a.txt sub empty");
  check_archive("t.7z");
}

BOOST_AUTO_TEST_CASE(plain_files_are_no_archives) {
  spit(path("plain.txt"), "just some text, not an archive\n");
  spit(path("empty"), "");
  spit(path("noise.bin"), noise(200000, 3));
  sh(dir, "gzip -k plain.txt");
  for (auto name : {"plain.txt", "empty", "noise.bin", "plain.txt.gz"}) {
    BOOST_TEST_CONTEXT(name) {
      auto listing = list_archive(path(name), {});
      BOOST_CHECK(!listing.is_archive);
      BOOST_CHECK_EQUAL(listing.error, "");
      BOOST_CHECK(listing.files.empty());
      BOOST_CHECK_NE(extract_archive_entry(path(name), 1, path("o"), {}), "");
      BOOST_CHECK(!fs::exists(path("o")));
    }
  }
  auto missing = list_archive(path("missing"), {});
  BOOST_CHECK(!missing.is_archive);
  BOOST_CHECK_NE(missing.error, "");
}

BOOST_AUTO_TEST_CASE(escaping_names_are_refused) {
  // GNU tar keeps such names only with -P; Python's zipfile keeps any.
  sh(dir, "tar -P -cf dotdot.tar src/../src/a.txt");
  sh(dir, "tar -P -cf absolute.tar \"$PWD/src/a.txt\"");
  sh(dir, "python3 -c \"import zipfile; z = zipfile.ZipFile('dotdot.zip', "
          "'w'); z.writestr('ok.txt', 'fine'); "
          "z.writestr(zipfile.ZipInfo('../../evil.txt'), 'evil')\"");
  sh(dir, "python3 -c \"import zipfile; z = zipfile.ZipFile('abs.zip', "
          "'w'); z.writestr(zipfile.ZipInfo('/etc/evil'), 'evil')\"");
  sh(dir, "python3 -c \"import zipfile; z = zipfile.ZipFile('drive.zip', "
          "'w'); z.writestr(zipfile.ZipInfo('C:\\\\\\\\evil'), 'evil')\"");
  check_refused("dotdot.tar", "escapes");
  check_refused("absolute.tar", "escapes");
  check_refused("dotdot.zip", "escapes", {}, false);
  check_refused("abs.zip", "escapes");
  check_refused("drive.zip", "escapes");
}

BOOST_AUTO_TEST_CASE(links_and_devices_are_refused) {
  fs::create_directories(dir + "/links");
  spit(dir + "/links/a", "target");
  sh(dir + "/links", "ln -s /etc/passwd sym && ln a hard");
  sh(dir, "tar -C links -cf symlink.tar sym a");
  sh(dir + "/links", "zip -q --symlinks ../symlink.zip sym a");
  sh(dir, "tar -C links -cf hardlink.tar a hard");
  sh(dir, "tar -C / -cf device.tar dev/null");
  check_refused("symlink.tar", "symbolic link");
  check_refused("symlink.zip", "symbolic link");
  check_refused("hardlink.tar", "hard link", {}, false);
  check_refused("device.tar", "not a regular file");
}

BOOST_AUTO_TEST_CASE(entry_count_and_total_size_limits) {
  sh(dir, "tar -C src -czf t.tar.gz .");
  archive_limits few;
  few.max_entries = 3; // ., a.txt, sub, ... : more than three headers
  check_refused("t.tar.gz", "more than 3 entries", few, false);
  archive_limits small;
  small.max_total_bytes = 50000; // sub/b.bin alone is 100000
  check_refused("t.tar.gz", "unpacks to more than 50000 bytes", small, false);
}

BOOST_AUTO_TEST_CASE(ratio_is_checked_while_reading) {
  // Honest headers and an honest whole-file ratio (about 11:1, under the
  // limit of 100): only the ratio of what has come out so far to what has
  // been read so far sees 20 MB of zeros come out of a few hundred bytes.
  fs::create_directories(dir + "/mix");
  sh(dir + "/mix", "head -c 20M /dev/zero > zeros.bin");
  spit(dir + "/mix/noise.bin", noise(2 << 20, 11));
  sh(dir, "tar -C mix --zstd -cf zeros-first.tar.zst zeros.bin noise.bin");
  sh(dir, "tar -C mix --zstd -cf noise-first.tar.zst noise.bin zeros.bin");
  archive_limits limits;
  limits.max_ratio = 100;
  check_refused("zeros-first.tar.zst", "compression ratio", limits);
  // The ratio is cumulative: after 2 MB of noise the zeros stay under it.
  auto ok = list_archive(path("noise-first.tar.zst"), limits);
  BOOST_CHECK_EQUAL(ok.error, "");
  BOOST_CHECK_EQUAL(ok.files.size(), 2u);
}

BOOST_AUTO_TEST_CASE(a_16_gib_bomb_stops_at_once) {
  // A tar of one 16 GiB file of zeros, compressed to about half a MB and
  // never on disk uncompressed: zstd frames concatenate into one stream,
  // so the archive is its header's frame, 256 copies of one 64 MiB frame
  // of zeros, and the frame of the end-of-archive blocks.
  sh(dir, "python3 -c \"import sys, tarfile; t = tarfile.TarInfo('zeros'); "
          "t.size = 16 << 30; sys.stdout.buffer.write(t.tobuf("
          "format=tarfile.GNU_FORMAT))\" | zstd -q -c > bomb.tar.zst");
  sh(dir, "head -c 64M /dev/zero | zstd -q -c > chunk.zst");
  auto chunk = slurp(path("chunk.zst"));
  std::string body;
  for (int i = 0; i < 256; ++i)
    body += chunk;
  spit(path("bomb.tar.zst"), body, std::ios::app);
  sh(dir, "head -c 1024 /dev/zero | zstd -q -c >> bomb.tar.zst");
  BOOST_REQUIRE_LT(fs::file_size(path("bomb.tar.zst")), 1u << 20);
  auto start = std::chrono::steady_clock::now();
  check_refused("bomb.tar.zst", "compression ratio");
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  BOOST_TEST_MESSAGE("16 GiB bomb refused in " << took.count() << " ms");
  BOOST_CHECK_LT(took.count(), 5000);
  // With a ratio limit it passes, the total size stops it.
  archive_limits limits;
  limits.max_ratio = 1000000;
  limits.max_total_bytes = 1ull << 30;
  check_refused("bomb.tar.zst", "unpacks to more than", limits);
}

BOOST_AUTO_TEST_CASE(a_size_header_that_lies_writes_no_more) {
  // 256 MiB of zeros streamed into a zip (about 250 kB), then both of its
  // size headers (local and central) made to claim 1 MiB: the reader must
  // not take the headers' word for it.
  sh(dir, "head -c 256M /dev/zero | zip -q lie.zip -");
  auto bytes = slurp(path("lie.zip"));
  auto central = rfind_sig(bytes, "PK\x01\x02");
  BOOST_REQUIRE_EQUAL(bytes.find(std::string("PK\x03\x04", 4)), 0u);
  put_le32(bytes, 22, 1u << 20);           // local header: uncompressed size
  put_le32(bytes, central + 24, 1u << 20); // central directory: the same
  spit(path("lie.zip"), bytes);
  auto listing = list_archive(path("lie.zip"), {});
  BOOST_CHECK(listing.is_archive);
  BOOST_CHECK(listing.files.empty());
  BOOST_CHECK_NE(listing.error, "");
  BOOST_TEST_MESSAGE("lying zip: " << listing.error);
  // The bytes handed out stop at the header's size.
  uint64_t passed = 0;
  auto err
      = read_archive_entry(path("lie.zip"), 1, {}, [&](const char*, size_t n) {
          passed += n;
          return true;
        });
  BOOST_CHECK_NE(err, "");
  BOOST_CHECK_LE(passed, 1u << 20);
  BOOST_CHECK_NE(extract_archive_entry(path("lie.zip"), 1, path("o"), {}), "");
  BOOST_CHECK(!fs::exists(path("o")));
}

BOOST_AUTO_TEST_CASE(a_sink_can_stop_the_read) {
  sh(dir, "tar -C src -cf t.tar .");
  auto listing = list_archive(path("t.tar"), {});
  BOOST_REQUIRE_EQUAL(listing.error, "");
  uint32_t big = 0;
  for (auto& e : listing.files)
    if (e.path == "sub/b.bin")
      big = e.index;
  BOOST_REQUIRE_NE(big, 0u);
  std::string got;
  auto err = read_archive_entry(path("t.tar"), big, {},
                                [&](const char* p, size_t n) {
                                  got.append(p, n);
                                  return true;
                                });
  BOOST_CHECK_EQUAL(err, "");
  BOOST_CHECK(got == files["sub/b.bin"]);
  err = read_archive_entry(path("t.tar"), big, {},
                           [](const char*, size_t) { return false; });
  BOOST_CHECK_EQUAL(err, "stopped");
}

BOOST_AUTO_TEST_CASE(listings_are_cached_beside_the_blobs) {
  sh(dir, "tar -C src -czf t.tar.gz .");
  auto cache = listing_cache_path(dir + "/data", "ab12cd");
  BOOST_CHECK_EQUAL(cache, dir + "/data/listings/ab/ab12cd");
  BOOST_CHECK(!load_listing(cache, {}));
  auto first = list_archive_cached(path("t.tar.gz"), cache, {});
  BOOST_REQUIRE_EQUAL(first.error, "");
  BOOST_REQUIRE(fs::exists(cache));
  // A hit does not read the archive: replace it and the cache still
  // answers its listing.
  spit(path("t.tar.gz"), "no longer an archive");
  auto again = list_archive_cached(path("t.tar.gz"), cache, {});
  BOOST_CHECK(again.is_archive);
  BOOST_REQUIRE_EQUAL(again.files.size(), first.files.size());
  for (size_t i = 0; i < again.files.size(); ++i) {
    BOOST_CHECK_EQUAL(again.files[i].index, first.files[i].index);
    BOOST_CHECK_EQUAL(again.files[i].path, first.files[i].path);
    BOOST_CHECK_EQUAL(again.files[i].size, first.files[i].size);
  }
  // Other limits are a miss: a listing is only good for its limits.
  archive_limits other;
  other.max_entries = 5;
  BOOST_CHECK(!load_listing(cache, other));
  auto relisted = list_archive_cached(path("t.tar.gz"), cache, other);
  BOOST_CHECK(!relisted.is_archive);
  BOOST_CHECK(load_listing(cache, other));
  // Malformed bytes and a newer format are misses, not errors.
  spit(cache, std::string("\x01\x00garbage", 9));
  BOOST_CHECK(!load_listing(cache, other));
  spit(cache, std::string("\x02\x00", 2));
  BOOST_CHECK(!load_listing(cache, other));
  remove_listing(cache);
  BOOST_CHECK(!fs::exists(cache));
  // A file that could not be opened is not cached: it may appear.
  auto missing = list_archive_cached(path("missing"), cache, {});
  BOOST_CHECK_NE(missing.error, "");
  BOOST_CHECK(!fs::exists(cache));
  // No temporaries are left beside the cache.
  for (auto& e : fs::directory_iterator(fs::path(cache).parent_path()))
    BOOST_CHECK_MESSAGE(false, "left behind: " << e.path());
}

BOOST_AUTO_TEST_CASE(cached_listing_round_trips_through_the_codec) {
  cached_listing x;
  x.max_entries = 1;
  x.max_total_bytes = 2;
  x.max_ratio = 3;
  x.listing.is_archive = true;
  x.listing.files = {{1, "a/b", 10}, {2, "c", 0}};
  cached_listing y;
  BOOST_REQUIRE(decode(encode(x), y));
  BOOST_CHECK_EQUAL(y.max_ratio, 3u);
  BOOST_CHECK(y.listing.is_archive);
  BOOST_REQUIRE_EQUAL(y.listing.files.size(), 2u);
  BOOST_CHECK_EQUAL(y.listing.files[0].path, "a/b");
  BOOST_CHECK_EQUAL(y.listing.files[1].index, 2u);
}

BOOST_AUTO_TEST_SUITE_END()
