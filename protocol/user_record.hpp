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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_record& x) {
  return f(x.id, x.name, x.admin, x.level, x.api_key_hash, x.access_key,
           x.secret_key, x.callback_secret, x.created_ms,
           x.may_cancel_offline);
}

template <>
struct record_format<user_record> : format_version<1, 0> {
  static constexpr const char* table = "users";
};

} // namespace skyhaul
