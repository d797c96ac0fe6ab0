#pragma once
// Hashes, HMACs, constant-time comparison and random tokens over OpenSSL:
// the one copy the edge's verification, the stored keys, the callbacks'
// signatures and the uploader's signing share.

#include <cstddef>
#include <string>
#include <string_view>

namespace skyhaul {

/// Raw SHA-256 of `data` (32 bytes).
std::string sha256(std::string_view data);

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Lower-case hex MD5 of `data`.
std::string md5_hex(std::string_view data);

/// Raw HMAC-SHA256 (32 bytes): SigV4's key chain feeds each step's raw
/// output into the next.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Lower-case hex HMAC-SHA256.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// Raw HMAC-SHA1 (20 bytes), as SigV2 signs.
std::string hmac_sha1(std::string_view key, std::string_view data);

/// `n` random bytes from OpenSSL's CSPRNG, as `2n` hex digits. Throws
/// `std::runtime_error` when the generator fails.
std::string random_hex(size_t n);

/// Compares secrets in time that depends on their length only.
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace skyhaul
