#include "actors/torrent_seed_make.hpp"

#include <fstream>
#include <iterator>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/hasher.hpp>
#include <vector>

namespace skyhaul {

std::optional<std::string> make_file_torrent(const std::string& name,
                                             const std::string& path,
                                             uint64_t size,
                                             std::string& error) {
  if (size == 0) {
    error = "an empty file makes no torrent";
    return std::nullopt;
  }
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    error = "the stored file is gone";
    return std::nullopt;
  }
  try {
    lt::file_storage fs;
    fs.add_file(name, static_cast<std::int64_t>(size));
    lt::create_torrent ct{fs, 0, lt::create_torrent::v1_only};
    ct.set_priv(true);
    ct.set_creator("Skyhaul");
    std::vector<char> buf(static_cast<size_t>(ct.piece_length()));
    for (lt::piece_index_t p{0}; p < ct.end_piece(); ++p) {
      auto n = ct.piece_size(p);
      if (!in.read(buf.data(), n)) {
        error = "the stored file is shorter than its record";
        return std::nullopt;
      }
      ct.set_hash(p, lt::hasher{buf.data(), n}.final());
    }
    std::string out;
    lt::bencode(std::back_inserter(out), ct.generate());
    return out;
  } catch (const std::exception& e) {
    error = e.what();
    return std::nullopt;
  }
}

} // namespace skyhaul
