#pragma once
// Base64 (RFC 4648, with padding): Content-MD5, SigV2 signatures, uploaded
// torrents in JSON bodies.

#include <optional>
#include <string>
#include <string_view>

namespace skyhaul {

/// Base64 of `data`, padded with '='.
std::string base64_encode(std::string_view data);

/// The bytes of padded base64 `text`, or nullopt when it is not valid
/// base64 (wrong length, a character outside the alphabet, misplaced '=').
std::optional<std::string> base64_decode(std::string_view text);

} // namespace skyhaul
