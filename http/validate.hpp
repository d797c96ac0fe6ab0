#pragma once

// Edge checks shared by every face: inside the system, inputs are valid.

#include <optional>
#include <string>
#include <string_view>

#include "http/key_check.hpp"

namespace skyhaul::http {

/// Longest URL accepted as a download source or callback.
constexpr size_t max_url_length = 8192;

/// True for S3-valid bucket names (3-63 lower-case letters, digits, dots
/// and hyphens; starting and ending with a letter or digit; no "..", not
/// shaped like an IPv4 address).
bool valid_bucket_name(std::string_view name);

/// Why `url` is not a usable http(s) URL, or nullopt.
std::optional<std::string> check_http_url(std::string_view url);

/// Lower-cases `hex` and checks that it has `digits` hex digits; a CRC32
/// (digits == 8) may be shorter and is zero-padded. False when invalid.
bool normalise_hex(std::string& hex, size_t digits);

} // namespace skyhaul::http
