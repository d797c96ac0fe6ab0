#pragma once
// What the community face needs of a metainfo file (BEP 3) without
// libtorrent: is it a torrent whose paths are safe, what is its v1
// info-hash and size, and the same file announcing to another tracker.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace skyhaul {

/// The facts of a checked metainfo file.
struct metainfo_facts {
  /// Raw SHA-1 of the info dictionary's bytes as uploaded (20 bytes).
  std::string info_hash;
  std::string name;
  /// Total bytes of its files.
  uint64_t size = 0;
  uint32_t file_count = 0;
};

/// Checks that `bytes` is a bencoded dictionary with a v1 info dictionary:
/// a safe `name`, a positive `piece length`, `pieces` a multiple of 20
/// bytes, and `length` or `files` whose paths are safe (no empty, `.` or
/// `..` component, no '/', '\\' or NUL in one). Sets `error` otherwise.
std::optional<metainfo_facts> check_metainfo(std::string_view bytes,
                                             std::string& error);

/// `bytes` (checked by `check_metainfo`) with `announce` set to
/// `announce_url` and `announce-list` dropped; every other entry, the info
/// dictionary above all, is kept byte for byte.
std::string with_announce(std::string_view bytes,
                          const std::string& announce_url);

/// True when `part` may be one component of a stored path.
bool safe_path_component(std::string_view part);

} // namespace skyhaul
