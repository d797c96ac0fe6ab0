// Archive listing (storage/archive.hpp) over libarchive: whatever it
// lists is numbered 1..n with safe relative paths, and the first file
// reads back exactly the size the listing counted.
#include "fuzz/check.hpp"
#include "storage/archive.hpp"

#include <fcntl.h>
#include <unistd.h>

using namespace skyhaul;
using namespace skyhaul::storage;

namespace {

bool safe(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.back() == '/')
    return false;
  size_t pos = 0;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    auto part = path.substr(pos, slash == std::string::npos ? std::string::npos
                                                            : slash - pos);
    if (part.empty() || part == "." || part == "..")
      return false;
    if (slash == std::string::npos)
      break;
    pos = slash + 1;
  }
  return true;
}

/// The input's file: unlinked at once and reached through /proc, so that
/// no run (an interrupted one included) leaves it behind.
const std::string& scratch() {
  static const std::string name = [] {
    char tmpl[] = "/tmp/skyhaul-fuzz-archive-XXXXXX";
    int fd = mkstemp(tmpl);
    FUZZ_CHECK(fd >= 0);
    unlink(tmpl);
    return "/proc/self/fd/" + std::to_string(fd);
  }();
  return name;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& file = scratch();
  int fd = open(file.c_str(), O_WRONLY | O_TRUNC);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(write(fd, data, size) == static_cast<ssize_t>(size));
  close(fd);
  archive_limits limits;
  limits.max_entries = 1000;
  limits.max_total_bytes = 16 << 20;
  auto listing = list_archive(file, limits);
  if (!listing.error.empty()) {
    FUZZ_CHECK(listing.files.empty());
    return 0;
  }
  for (size_t i = 0; i < listing.files.size(); ++i) {
    FUZZ_CHECK(listing.files[i].index == i + 1);
    FUZZ_CHECK(safe(listing.files[i].path));
  }
  if (!listing.is_archive || listing.files.empty())
    return 0;
  uint64_t got = 0;
  auto err = read_archive_entry(file, 1, limits, [&](const char*, size_t n) {
    got += n;
    return true;
  });
  FUZZ_CHECK(err.empty());
  FUZZ_CHECK(got == listing.files[0].size);
  return 0;
}
