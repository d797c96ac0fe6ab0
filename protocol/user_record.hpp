#pragma once

#include <cstdint>
#include <string>

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"

namespace skyhaul {

/// A user and their credentials. Api keys are stored as SHA-256 hashes;
/// S3 secret keys must stay in clear to verify HMAC signatures.
struct user_record {
  user_id id = 0;
  std::string name;
  bool admin = false;
  uint32_t level = 0;
  /// Lower-case hex SHA-256 of the api key.
  std::string api_key_hash;
  std::string access_key;
  std::string secret_key;
  /// Key of the HMAC that signs this user's callbacks.
  std::string callback_secret;
  int64_t created_ms = 0;
  /// May cancel tasks through the Offline API's DELETE (seed 000 keeps it
  /// from ordinary users); admins always may.
  bool may_cancel_offline = false;
  // Format 1.1 (older records read these as empty):
  /// Login name of the Offcloud face, lower case; "" when the user has none.
  std::string email;
  /// Argon2id string (base/password.hpp); "" means no password login.
  std::string password_hash;
  /// Plan of the Offcloud face's entitlements; "" means the default plan.
  std::string plan;
  /// Lower-case hex SHA-256 of the community face's `credential` header.
  std::string credential_hash;
  /// The tracker passkey in this user's announce URLs: 32 lower-case hex
  /// characters; "" for a user made before passkeys existed, until
  /// `skyhauld user credential` gives them one.
  std::string passkey;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_record& x) {
  return f(x.id, x.name, x.admin, x.level, x.api_key_hash, x.access_key,
           x.secret_key, x.callback_secret, x.created_ms,
           x.may_cancel_offline, x.email, x.password_hash, x.plan,
           x.credential_hash, x.passkey);
}

template <>
struct record_format<user_record> : format_version<1, 1> {
  static constexpr const char* table = "users";
};

} // namespace skyhaul
