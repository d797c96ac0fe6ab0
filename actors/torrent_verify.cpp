#include "actors/torrent_verify.hpp"

#include "actors/torrent_files.hpp"
#include "storage/digest.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/hex.hpp>
#include <libtorrent/torrent_info.hpp>
#include <map>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace skyhaul {

namespace {

constexpr int64_t block_size = 16 * 1024;

/// A file descriptor closed on scope exit.
struct fd_holder {
  int fd = -1;
  fd_holder() = default;
  explicit fd_holder(int f) : fd(f) {}
  fd_holder(fd_holder&& o) noexcept : fd(o.fd) {
    o.fd = -1;
  }
  fd_holder& operator=(fd_holder&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~fd_holder() {
    if (fd >= 0)
      ::close(fd);
  }
};

/// Reads exactly `n` bytes at `offset`; false on a short read or error.
bool read_at(int fd, char* out, int64_t n, int64_t offset) {
  while (n > 0) {
    auto got = ::pread(fd, out, static_cast<size_t>(n), offset);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return false;
    out += got;
    n -= got;
    offset += got;
  }
  return true;
}

/// libtorrent's part file: the bytes of pieces that overlap files it was
/// told not to download, one piece-sized slot per piece. Format (from
/// libtorrent's part_file.cpp, big endian): num_pieces, piece_size, then
/// one slot index per piece (-1: not in the file), the header rounded up
/// to 1 KiB, then the slots.
class part_file_reader {
public:
  part_file_reader(const std::string& path, int num_pieces, int piece_size)
    : piece_size_(piece_size) {
    fd_ = fd_holder{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (fd_.fd < 0)
      return;
    header_ = (static_cast<int64_t>(2 + num_pieces) * 4 + 1023) & ~int64_t{1023};
    std::vector<char> buf(static_cast<size_t>(header_));
    if (!read_at(fd_.fd, buf.data(), header_, 0))
      return;
    auto u32 = [&](size_t at) {
      auto* p = reinterpret_cast<const unsigned char*>(buf.data() + at);
      return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16)
             | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
    };
    if (u32(0) != static_cast<uint32_t>(num_pieces)
        || u32(4) != static_cast<uint32_t>(piece_size))
      return;
    slots_.resize(static_cast<size_t>(num_pieces));
    for (size_t i = 0; i < slots_.size(); ++i)
      slots_[i] = static_cast<int32_t>(u32(8 + 4 * i));
  }

  /// Bytes `[start, start + n)` of `piece`, as libtorrent stored them.
  bool read(int piece, int64_t start, int64_t n, char* out) const {
    if (piece < 0 || static_cast<size_t>(piece) >= slots_.size()
        || slots_[static_cast<size_t>(piece)] < 0)
      return false;
    auto at = header_
              + int64_t{slots_[static_cast<size_t>(piece)]} * piece_size_
              + start;
    return read_at(fd_.fd, out, n, at);
  }

private:
  fd_holder fd_;
  int64_t piece_size_ = 0;
  int64_t header_ = 0;
  std::vector<int32_t> slots_;
};

/// BEP 52: the root over the 16 KiB leaf hashes of a file, the leaves padded
/// with zero hashes to a power of two.
lt::sha256_hash merkle_root(std::vector<lt::sha256_hash> level) {
  if (level.empty())
    return {};
  size_t width = 1;
  while (width < level.size())
    width *= 2;
  level.resize(width);
  while (level.size() > 1) {
    for (size_t i = 0; i < level.size() / 2; ++i) {
      lt::hasher256 h;
      h.update({level[2 * i].data(), lt::sha256_hash::size()});
      h.update({level[2 * i + 1].data(), lt::sha256_hash::size()});
      level[i] = h.final();
    }
    level.resize(level.size() / 2);
  }
  return level.front();
}

/// One wanted file while it is read.
struct wanted_file {
  std::string path;
  int64_t size = 0;
  fd_holder fd;
  storage::digest_set digests;
  int64_t fed = 0;
  /// v2: leaf hashes so far, and the bytes of the leaf being filled.
  bool v2 = false;
  std::vector<lt::sha256_hash> leaves;
  lt::hasher256 leaf;
  int64_t leaf_fill = 0;

  void feed(const char* p, int64_t n) {
    digests.update(p, static_cast<size_t>(n));
    fed += n;
    while (v2 && n > 0) {
      auto take = std::min(n, block_size - leaf_fill);
      leaf.update({p, static_cast<std::ptrdiff_t>(take)});
      leaf_fill += take;
      p += take;
      n -= take;
      if (leaf_fill == block_size) {
        leaves.push_back(leaf.final());
        leaf.reset();
        leaf_fill = 0;
      }
    }
  }

  std::vector<lt::sha256_hash> take_leaves() {
    if (leaf_fill > 0) {
      leaves.push_back(leaf.final());
      leaf_fill = 0;
    }
    return std::move(leaves);
  }
};

torrent_check check_files(const lt::torrent_info& ti,
                          const std::string& save_path,
                          const std::vector<std::string>& wanted) {
  torrent_check out;
  auto& fs = ti.files();
  auto piece_length = static_cast<int64_t>(ti.piece_length());
  auto v1 = ti.info_hashes().has_v1();
  auto v2 = ti.info_hashes().has_v2();
  // The wanted files by libtorrent index, opened up front.
  std::map<int, wanted_file> files;
  for (auto i : fs.file_range()) {
    if (fs.pad_file_at(i)
        || std::find(wanted.begin(), wanted.end(), fs.file_path(i))
               == wanted.end())
      continue;
    auto& f = files[static_cast<int>(i)];
    f.path = fs.file_path(i);
    f.size = fs.file_size(i);
    f.v2 = v2 && f.size > 0;
    auto full = save_path + "/" + f.path;
    f.fd = fd_holder{::open(full.c_str(), O_RDONLY | O_CLOEXEC)};
    struct stat sb {};
    int64_t on_disk = 0;
    if (f.fd.fd >= 0 && ::fstat(f.fd.fd, &sb) == 0)
      on_disk = static_cast<int64_t>(sb.st_size);
    else if (f.fd.fd < 0 && errno != ENOENT && f.size > 0) {
      out.error = "cannot open " + full + ": " + std::strerror(errno);
      return out;
    }
    if (on_disk < f.size) {
      out.error = "the torrent file '" + f.path + "' has "
                  + std::to_string(on_disk) + " of " + std::to_string(f.size)
                  + " bytes on disk";
      out.corrupt = true;
      return out;
    }
  }
  // Every piece that holds a byte of a wanted file, in order.
  std::vector<int> pieces;
  for (auto& [index, f] : files) {
    if (f.size == 0)
      continue;
    auto off = fs.file_offset(lt::file_index_t{index});
    for (auto p = off / piece_length; p * piece_length < off + f.size; ++p)
      if (pieces.empty() || pieces.back() < static_cast<int>(p))
        pieces.push_back(static_cast<int>(p));
  }
  std::optional<part_file_reader> part;
  std::map<int, fd_holder> unwanted;
  std::vector<char> buf(static_cast<size_t>(piece_length));
  /// An unwanted file's bytes of a boundary piece, read from the part file.
  struct from_part {
    char* at;
    int k;
    int64_t size;
    int64_t offset;
  };
  std::vector<from_part> from_parts;
  auto unwanted_fd = [&](int k, lt::file_index_t index) {
    auto j = unwanted.find(k);
    if (j == unwanted.end()) {
      auto full = save_path + "/" + fs.file_path(index);
      j = unwanted.emplace(k, fd_holder{::open(full.c_str(),
                                               O_RDONLY | O_CLOEXEC)})
              .first;
    }
    return j->second.fd;
  };
  for (auto p : pieces) {
    lt::piece_index_t piece{p};
    auto size = fs.piece_size(piece);
    bool complete = true;
    from_parts.clear();
    for (auto& s : fs.map_block(piece, 0, size)) {
      auto at = buf.data()
                + (fs.file_offset(s.file_index) + s.offset
                   - static_cast<int64_t>(p) * piece_length);
      auto k = static_cast<int>(s.file_index);
      if (auto i = files.find(k); i != files.end()) {
        auto& f = i->second;
        if (!read_at(f.fd.fd, at, s.size, s.offset)) {
          out.error = "the torrent file '" + f.path
                      + "' could not be read back at byte "
                      + std::to_string(s.offset);
          out.corrupt = true;
          return out;
        }
        f.feed(at, s.size);
        continue;
      }
      if (fs.pad_file_at(s.file_index)) {
        std::memset(at, 0, static_cast<size_t>(s.size));
        continue;
      }
      // A boundary piece's bytes in an unwanted file: in the part file, or
      // in the file itself when it was on disk before libtorrent chose.
      if (!part)
        part.emplace(save_path + "/."
                         + lt::aux::to_hex(ti.info_hashes().get_best())
                         + ".parts",
                     ti.num_pieces(), ti.piece_length());
      auto start = at - buf.data();
      if (part->read(p, start, s.size, at)) {
        from_parts.push_back({at, k, s.size, s.offset});
        continue;
      }
      auto fd = unwanted_fd(k, s.file_index);
      if (fd < 0 || !read_at(fd, at, s.size, s.offset))
        complete = false;
    }
    if (!v1)
      continue;
    if (!complete) {
      ++out.pieces_skipped;
      continue;
    }
    auto matches = [&] {
      lt::hasher h;
      h.update({buf.data(), size});
      return h.final() == ti.hash_for_piece(piece);
    };
    ++out.pieces_checked;
    // A file unwanted now may have been wanted when the piece came: its
    // bytes are then in the file itself, and the part file's slot (made
    // for another file's bytes of the piece) holds nothing for them.
    auto from_files = [&] {
      if (from_parts.empty())
        return false;
      for (auto& fp : from_parts) {
        auto fd = unwanted_fd(fp.k, lt::file_index_t{fp.k});
        if (fd < 0 || !read_at(fd, fp.at, fp.size, fp.offset))
          return false;
      }
      return matches();
    };
    if (!matches() && !from_files()) {
      std::string names;
      for (auto& s : fs.map_block(piece, 0, size))
        if (auto i = files.find(static_cast<int>(s.file_index));
            i != files.end())
          names += (names.empty() ? "'" : ", '") + i->second.path + "'";
      out.error = "piece " + std::to_string(p) + " of the torrent file "
                  + names + " does not match its SHA-1 hash";
      out.corrupt = true;
      return out;
    }
  }
  for (auto& [index, f] : files) {
    auto d = f.digests.finish();
    if (f.v2) {
      ++out.roots_checked;
      if (merkle_root(f.take_leaves()) != fs.root(lt::file_index_t{index})) {
        out.error = "the torrent file '" + f.path
                    + "' does not match its SHA-256 merkle root";
        out.corrupt = true;
        return out;
      }
    }
    if (f.fd.fd >= 0 && ::fsync(f.fd.fd) != 0) {
      out.error = "fsync failed: " + save_path + "/" + f.path;
      return out;
    }
    file_record r;
    r.name = f.path;
    r.size = static_cast<uint64_t>(f.size);
    r.md5 = std::move(d.md5);
    r.sha1 = std::move(d.sha1);
    r.crc32 = std::move(d.crc32);
    r.blob = r.sha1;
    r.content_type = content_type_for(f.path);
    out.files.push_back(std::move(r));
  }
  return out;
}

} // namespace

torrent_check check_torrent_files(const std::string& info_section,
                                  const std::string& save_path,
                                  const std::vector<std::string>& wanted) {
  // A metainfo around the info dictionary, which is all libtorrent reads
  // (v2 piece layers are not needed: whole files are checked against their
  // roots).
  auto bytes = "d4:info" + info_section + "e";
  lt::error_code err;
  auto node = lt::bdecode({bytes.data(), static_cast<long>(bytes.size())},
                          err, nullptr, 100, 4000000);
  std::optional<lt::torrent_info> ti;
  if (!err)
    ti.emplace(node, err);
  if (err) {
    torrent_check out;
    out.error = "the torrent's metadata does not parse: " + err.message();
    return out;
  }
  return check_files(*ti, save_path, wanted);
}

} // namespace skyhaul
