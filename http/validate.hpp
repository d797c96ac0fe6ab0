#pragma once

// Edge checks shared by every face: inside the system, inputs are valid.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/object_key.hpp"

namespace skyhaul {
struct task_spec;
} // namespace skyhaul

namespace skyhaul::http {

/// Longest URL accepted as a download source or callback.
constexpr size_t max_url_length = 8192;

/// True for S3-valid bucket names (3-63 lower-case letters, digits, dots
/// and hyphens; starting and ending with a letter or digit; no "..", not
/// shaped like an IPv4 address).
bool valid_bucket_name(std::string_view name);

/// Why `url` is not a usable http(s) URL, or nullopt.
std::optional<std::string> check_http_url(std::string_view url);

/// As `check_http_url`; with `files`, ftp://, ftps:// and sftp:// too (the
/// sources of a download; credentials may be in the URL).
std::optional<std::string> check_url(std::string_view url, bool files);

/// Why the `url` of `spec` cannot be its download source, or nullopt: a
/// `magnet:` link must name a usable info-hash, anything else must pass
/// `check_http_url`; neither may be longer than `max_url_length`. Every
/// face checks its source URL with this, and reports its own field name.
std::optional<std::string> check_source_url(const task_spec& spec);

/// Most wanted files one torrent task may name, and the longest name.
constexpr size_t max_wanted_files = 10000;
/// Mirrors a task may name (`urls`), and connections it may ask for.
constexpr size_t max_mirrors = 16;
constexpr unsigned max_connections = 32;
constexpr size_t max_file_name_length = 1024;

/// Why `names` is not a usable choice of torrent files (`files`, Offline
/// API `Files`), or nullopt: at most `max_wanted_files` names, each
/// non-empty, at most `max_file_name_length` bytes, valid UTF-8, without
/// NUL or other control characters. Whether the torrent has them is the
/// daemon's question.
std::optional<std::string>
check_file_names(const std::vector<std::string>& names);

/// Why `spec.files` cannot be its file choice (a choice needs a BitTorrent
/// source, and `check_file_names`), or nullopt; the caller names the field.
std::optional<std::string> check_file_choice(const task_spec& spec);

/// Why `bytes` cannot be a .torrent file, or nullopt when it may be: it
/// must be one bencoded dictionary, well-formed up to its closing `e`
/// (bytes after it are ignored, as libtorrent does). Only faults that
/// libtorrent's bdecode rejects too are reported (no stricter, so the edge
/// never refuses what the daemon would take); the metainfo's content is
/// the daemon's to check. Linear, no recursion.
std::optional<std::string> check_bencoded_dict(std::string_view bytes);

/// Lower-cases `hex` and checks that it has `digits` hex digits; a CRC32
/// (digits == 8) may be shorter and is zero-padded. False when invalid.
bool normalise_hex(std::string& hex, size_t digits);

} // namespace skyhaul::http
