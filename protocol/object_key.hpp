#pragma once

// The object key check, apart from the other edge checks because every face
// that names objects (Task API, Offline API, S3) applies the same rule.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace skyhaul {

/// Longest object key (S3's limit).
constexpr size_t max_key_length = 1024;

/// Why `key` is not a safe object key, or nullopt when it is: empty or too
/// long, invalid UTF-8, control characters, NUL, backslash, a leading '/',
/// '//' or a '.' / '..' segment (anything that could leave the bucket).
std::optional<std::string> check_object_key(std::string_view key);

/// True when `s` is valid UTF-8 (no overlong forms, no surrogates).
bool valid_utf8(std::string_view s);

} // namespace skyhaul
