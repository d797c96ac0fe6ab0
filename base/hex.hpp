#pragma once
// Hexadecimal text of bytes, the one copy every layer uses (digests,
// signatures, tokens, ETags).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace skyhaul {

/// Lower-case hex of `n` bytes at `p`.
std::string to_hex(const unsigned char* p, size_t n);

/// Lower-case hex of the bytes of `bytes`.
std::string to_hex(std::string_view bytes);

/// The value of one hex digit (either case), or -1.
int hex_value(char c);

/// The bytes written as hex in `text` (either case), or nullopt when its
/// length is odd or it holds a character that is not a hex digit.
std::optional<std::string> from_hex(std::string_view text);

} // namespace skyhaul
