#pragma once
// Secrets at rest: the passwords and SSH keys of remote accounts are
// sealed with libsodium's crypto_secretbox (XSalsa20-Poly1305) under one
// key kept in a file of the data dir, so a copy of the database alone
// gives none of them away, and a sealed value changed on disk is refused
// rather than misread.

#include <optional>
#include <string>
#include <string_view>

namespace skyhaul::base {

class secretbox {
public:
  /// The key in `path` (32 bytes), created with mode 0600 from libsodium's
  /// generator when the file does not exist. Throws std::runtime_error
  /// when it cannot be read or written, or has the wrong size.
  static secretbox from_key_file(const std::string& path);

  /// `key` must be 32 bytes (crypto_secretbox_KEYBYTES).
  explicit secretbox(std::string key);

  /// Base64 of a fresh random nonce followed by the sealed `plain`.
  std::string seal(std::string_view plain) const;

  /// The plain text of `sealed`; nullopt when it was not sealed under this
  /// key or was altered.
  std::optional<std::string> open(std::string_view sealed) const;

private:
  std::string key_;
};

} // namespace skyhaul::base
