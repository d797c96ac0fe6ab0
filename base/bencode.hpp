#pragma once
// Bencoding (BEP 3) without libtorrent: the community face checks and
// rewrites uploaded metainfo and the tracker writes its replies, and
// neither the edge nor the tracker links libtorrent.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skyhaul::bencode {

enum class kind : uint8_t { integer, string, list, dict };

/// A parsed value. Views point into the parsed bytes, which must outlive
/// it; `raw` is the exact bytes of the value, so a dictionary (a torrent's
/// info) can be passed on byte for byte.
struct value {
  kind type = kind::integer;
  int64_t integer = 0;
  std::string_view text;
  std::vector<value> items;
  /// A dictionary's entries in the order they came.
  std::vector<std::pair<std::string_view, value>> entries;
  std::string_view raw;

  /// The entry `key` of a dictionary, or null.
  const value* find(std::string_view key) const;
};

/// Limits of `parse`, so a hostile upload cannot nest or fan out without
/// end.
struct limits {
  size_t max_depth = 64;
  size_t max_items = 1u << 20;
};

/// Parses exactly one value spanning all of `bytes`. Integers have no
/// leading zeros and no "-0"; dictionary keys are unique. Sets `error`
/// and returns nullopt otherwise.
std::optional<value> parse(std::string_view bytes, std::string& error,
                           limits lim = {});

/// Appends `<len>:<s>`.
void put_string(std::string& out, std::string_view s);

/// Appends `i<n>e`.
void put_int(std::string& out, int64_t n);

} // namespace skyhaul::bencode
