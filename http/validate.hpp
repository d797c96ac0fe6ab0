#pragma once

// Edge checks shared by every face: inside the system, inputs are valid.

#include <optional>
#include <string>
#include <string_view>

namespace skyhaul::http {

/// Longest URL accepted as a download source or callback.
constexpr size_t max_url_length = 8192;

/// Longest object key (S3's limit).
constexpr size_t max_key_length = 1024;

/// Why `key` is not a safe object key, or nullopt when it is: empty or too
/// long, invalid UTF-8, control characters, NUL, backslash, a leading '/',
/// '//' or a '.' / '..' segment (anything that could leave the bucket).
std::optional<std::string> check_object_key(std::string_view key);

/// True for S3-valid bucket names (3-63 lower-case letters, digits, dots
/// and hyphens; starting and ending with a letter or digit; no "..", not
/// shaped like an IPv4 address).
bool valid_bucket_name(std::string_view name);

/// Why `url` is not a usable http(s) URL, or nullopt.
std::optional<std::string> check_http_url(std::string_view url);

/// Lower-cases `hex` and checks that it has `digits` hex digits; a CRC32
/// (digits == 8) may be shorter and is zero-padded. False when invalid.
bool normalise_hex(std::string& hex, size_t digits);

/// True when `s` is valid UTF-8.
bool valid_utf8(std::string_view s);

} // namespace skyhaul::http
