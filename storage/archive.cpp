#include "storage/archive.hpp"

#include "storage/atomic_file.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace skyhaul::storage {

namespace {

namespace fs = std::filesystem;

using archive_ptr = std::unique_ptr<::archive, int (*)(::archive*)>;

/// Opens `file` for the formats Skyhaul explores. Formats are named one by
/// one, not `_all`: mtree or raw would take a plain text file for an
/// archive. Filters too, so that none runs an external program. Null with
/// `error` empty when no format recognises the file (libarchive bids at
/// open), with `error` set when the file cannot be read at all.
archive_ptr open_archive(const std::string& file, std::string& error) {
  archive_ptr a{nullptr, archive_read_free};
  // Told apart from an unrecognised format before libarchive mixes them.
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open " + file + ": " + std::strerror(errno);
    return a;
  }
  struct stat st {};
  auto regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  ::close(fd);
  if (!regular) {
    error = file + " is not a regular file";
    return a;
  }
  a.reset(archive_read_new());
  if (!a) {
    error = "out of memory";
    return a;
  }
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_lzma(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_zip(a.get());
  archive_read_support_format_7zip(a.get());
  archive_read_support_format_rar(a.get());
  archive_read_support_format_rar5(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 64 * 1024)
      != ARCHIVE_OK)
    a.reset();
  error.clear();
  return a;
}

/// `name` made `/`-separated with no `.` or empty components (so the
/// archive's own folder, `./`, is empty); false when it would escape the
/// folder it is unpacked in.
bool safe_path(std::string_view name, std::string& out) {
  out.clear();
  // A drive letter or a leading separator makes a path absolute.
  if (!name.empty()
      && (name[0] == '/' || name[0] == '\\'
          || (name.size() >= 2 && name[1] == ':')))
    return false;
  size_t i = 0;
  while (i <= name.size()) {
    auto j = name.find_first_of("/\\", i);
    if (j == std::string_view::npos)
      j = name.size();
    auto part = name.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".")
      continue;
    if (part == "..")
      return false;
    if (!out.empty())
      out += '/';
    out += part;
  }
  return true;
}

/// Walks the headers of an open archive and reads entries' data, holding
/// the counts every limit is checked against.
class walker {
public:
  enum class step { file, end, failed };

  walker(::archive* a, const archive_limits& limits, uint64_t archive_size)
      : a_(a), limits_(limits), archive_size_(archive_size) {}

  /// Moves to the next regular file, checking every header on the way.
  step next() {
    for (;;) {
      ::archive_entry* e = nullptr;
      auto r = archive_read_next_header(a_, &e);
      if (r == ARCHIVE_EOF)
        return step::end;
      if (r < ARCHIVE_WARN)
        return fail(library_error("cannot read the archive"));
      if (++entries_ > limits_.max_entries)
        return fail("the archive holds more than "
                    + std::to_string(limits_.max_entries) + " entries");
      auto name = archive_entry_pathname_utf8(e);
      if (!name)
        name = archive_entry_pathname(e);
      if (!name)
        return fail("entry " + std::to_string(entries_) + " has no name");
      auto quoted = "entry '" + std::string{name} + "'";
      if (!safe_path(name, path_))
        return fail(quoted + " escapes the archive's folder");
      if (archive_entry_hardlink(e))
        return fail(quoted + " is a hard link");
      auto type = archive_entry_filetype(e);
      if (type == AE_IFLNK)
        return fail(quoted + " is a symbolic link");
      if (type == AE_IFDIR)
        continue;
      if (type != AE_IFREG)
        return fail(quoted + " is not a regular file");
      if (path_.empty())
        return fail(quoted + " is a file without a name");
      has_size_ = archive_entry_size_is_set(e) != 0;
      header_size_ = 0;
      if (has_size_) {
        auto size = archive_entry_size(e);
        if (size < 0)
          return fail(quoted + " has a negative size");
        header_size_ = static_cast<uint64_t>(size);
        // What the headers claim is checked before any of it is read:
        // skipping an entry may decompress it whole.
        claimed_ += header_size_;
        if (auto err = check_total(claimed_); !err.empty())
          return fail(err);
        if (claimed_ > ratio_floor
            && claimed_ / limits_.max_ratio
                   >= std::max<uint64_t>(archive_size_, 1))
          return fail(ratio_error());
      }
      quoted_ = std::move(quoted);
      ++index_;
      return step::file;
    }
  }

  /// Reads the current file's data, counting it against the limits and
  /// its size header; hands it to `sink` when there is one. Never passes
  /// on a byte past the size header (or `max_total_bytes` without one).
  bool read(const archive_sink* sink, uint64_t& size) {
    auto bound = has_size_ ? header_size_ : limits_.max_total_bytes;
    size = 0;
    std::unique_ptr<char[]> buf{new char[block]};
    for (;;) {
      auto n = archive_read_data(a_, buf.get(), block);
      if (n < 0) {
        if (n == ARCHIVE_RETRY)
          continue;
        fail(library_error(quoted_ + " cannot be read"));
        return false;
      }
      if (n == 0)
        break;
      auto got = static_cast<uint64_t>(n);
      size += got;
      unpacked_ += got;
      if (size > bound) {
        fail(quoted_ + " holds more bytes than its size header says ("
             + std::to_string(bound) + ")");
        return false;
      }
      if (auto err = check_total(unpacked_); !err.empty()) {
        fail(err);
        return false;
      }
      // Cumulative: what came out against what the decompressor took
      // (for zip and 7z, the position in the file), so far.
      auto raw = std::max<int64_t>(archive_filter_bytes(a_, -1), 1);
      if (unpacked_ > ratio_floor
          && unpacked_ / limits_.max_ratio >= static_cast<uint64_t>(raw)) {
        fail(ratio_error());
        return false;
      }
      if (sink && !(*sink)(buf.get(), static_cast<size_t>(n))) {
        fail("stopped");
        return false;
      }
    }
    if (has_size_ && size != header_size_) {
      fail(quoted_ + " holds " + std::to_string(size)
           + " bytes, its size header says " + std::to_string(header_size_));
      return false;
    }
    return true;
  }

  /// Passes over the current file's data (zip seeks; streams decompress,
  /// bounded by the checks of its size header in `next`). Its size header
  /// counts as unpacked, as the archive bytes it took count as read.
  bool skip() {
    if (archive_read_data_skip(a_) < ARCHIVE_WARN) {
      fail(library_error(quoted_ + " cannot be skipped"));
      return false;
    }
    unpacked_ += header_size_;
    return true;
  }

  uint32_t index() const {
    return index_;
  }

  const std::string& path() const {
    return path_;
  }

  const std::string& error() const {
    return error_;
  }

private:
  static constexpr size_t block = 64 * 1024;

  step fail(std::string err) {
    error_ = std::move(err);
    return step::failed;
  }

  std::string library_error(const std::string& what) const {
    auto msg = archive_error_string(a_);
    return what + ": " + (msg ? msg : "unknown error");
  }

  std::string check_total(uint64_t n) const {
    if (n <= limits_.max_total_bytes)
      return {};
    return "the archive unpacks to more than "
           + std::to_string(limits_.max_total_bytes) + " bytes";
  }

  std::string ratio_error() const {
    return "the archive's compression ratio is past "
           + std::to_string(limits_.max_ratio) + ":1";
  }

  ::archive* a_;
  archive_limits limits_;
  uint64_t archive_size_;
  uint64_t entries_ = 0;
  uint64_t claimed_ = 0;
  uint64_t unpacked_ = 0;
  uint32_t index_ = 0;
  bool has_size_ = false;
  uint64_t header_size_ = 0;
  std::string path_;
  std::string quoted_;
  std::string error_;
};

uint64_t size_of(const std::string& file) {
  std::error_code err;
  auto n = fs::file_size(file, err);
  return err ? 0 : static_cast<uint64_t>(n);
}

archive_limits sane(archive_limits limits) {
  if (limits.max_ratio == 0)
    limits.max_ratio = 1;
  return limits;
}

} // namespace

archive_listing list_archive(const std::string& file,
                             const archive_limits& limits) {
  archive_listing out;
  std::string err;
  auto a = open_archive(file, err);
  if (!a) {
    out.error = err;
    return out;
  }
  out.is_archive = true;
  walker w{a.get(), sane(limits), size_of(file)};
  for (;;) {
    auto s = w.next();
    if (s == walker::step::end)
      return out;
    uint64_t size = 0;
    if (s == walker::step::failed || !w.read(nullptr, size)) {
      out.files.clear();
      out.error = w.error();
      return out;
    }
    out.files.push_back({w.index(), w.path(), size});
  }
}

std::string read_archive_entry(const std::string& file, uint32_t index,
                               const archive_limits& limits,
                               const archive_sink& sink) {
  std::string err;
  auto a = open_archive(file, err);
  if (!a)
    return err.empty() ? file + " is not an archive" : err;
  walker w{a.get(), sane(limits), size_of(file)};
  for (;;) {
    switch (w.next()) {
    case walker::step::end:
      return "the archive has no file " + std::to_string(index);
    case walker::step::failed:
      return w.error();
    case walker::step::file:
      break;
    }
    if (w.index() == index) {
      uint64_t size = 0;
      return w.read(&sink, size) ? std::string{} : w.error();
    }
    if (!w.skip())
      return w.error();
  }
}

std::string extract_archive_entry(const std::string& file, uint32_t index,
                                  const std::string& dest_file,
                                  const archive_limits& limits) {
  atomic_file out{dest_file};
  if (!out.error().empty())
    return out.error();
  auto err
      = read_archive_entry(file, index, limits, [&](const char* p, size_t n) {
          return out.write(p, n);
        });
  if (!out.error().empty())
    return out.error();
  return err.empty() ? out.commit() : err;
}

} // namespace skyhaul::storage
