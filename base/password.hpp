#pragma once

// Password hashing: Argon2id through libsodium, memory-hard, so a stolen
// database costs an attacker real memory per guess.

#include <string>
#include <string_view>

namespace skyhaul {

/// Longest password accepted; longer input is refused before hashing.
inline constexpr size_t max_password_length = 1024;

/// The Argon2id string of `password` (algorithm, parameters, salt and hash
/// in one ASCII string, as libsodium's crypto_pwhash_str writes it). Throws
/// std::runtime_error when libsodium cannot allocate the memory.
std::string hash_password(std::string_view password);

/// True when `password` matches `stored` (a `hash_password` string). False
/// for an empty or malformed `stored`, so a user without a password never
/// logs in.
bool verify_password(std::string_view stored, std::string_view password);

} // namespace skyhaul
