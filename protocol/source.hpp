#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include "protocol/enum_range.hpp"

namespace skyhaul {

struct task_spec;

/// Where the bytes of a task come from.
enum class source_kind : uint8_t {
  /// An http(s) URL of the file itself.
  http = 0,
  /// An http(s) URL whose path ends in `.torrent`: the metainfo, fetched
  /// first through http_fetch, then the torrent's files.
  torrent_url,
  /// A `magnet:` link; the metainfo comes from the swarm.
  magnet,
  /// A `.torrent` uploaded with the task (`task_spec::torrent`).
  torrent_file,
};

template <>
struct enum_range<source_kind> {
  static constexpr auto last = source_kind::torrent_file;
};

/// The kind of source `spec` names.
source_kind source_of(const task_spec& spec);

constexpr bool is_torrent(source_kind k) {
  return k != source_kind::http;
}

/// True when the path of the http(s) URL `url` ends in `.torrent`
/// (case-insensitive; query and fragment ignored).
bool is_torrent_url(std::string_view url);

/// The info-hash a magnet link names, as lower-case hex: 40 digits for a
/// BitTorrent v1 hash (`xt=urn:btih:` with 40 hex or 32 base32 digits),
/// 64 digits for a v2 hash (`xt=urn:btmh:1220` + 64 hex) when the link has
/// no v1 hash. nullopt when the link has no usable hash.
std::optional<std::string> magnet_info_hash(std::string_view uri);

} // namespace skyhaul
