#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/user_record.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

/// A freshly made user with the clear-text api key and community
/// credential, shown once.
struct new_user {
  user_record rec;
  std::string api_key;
  std::string credential;
};

/// Makes a user with random credentials (not stored yet).
new_user make_user(user_id id, std::string name, bool admin, uint32_t level);

/// Reads a user by id.
std::optional<user_record> get_user(const txn& t, user_id id);

/// Finds the owner of an api key. The key is hashed first and the stored
/// hash compared in constant time.
std::optional<user_record> find_user_by_api_key(const txn& t,
                                                std::string_view api_key);

/// Finds the owner of an S3 access key.
std::optional<user_record> find_user_by_access_key(const txn& t,
                                                   std::string_view key);

/// Finds a user by e-mail address, in any case.
std::optional<user_record> find_user_by_email(const txn& t,
                                              std::string_view email);

/// Finds the owner of a tracker passkey.
std::optional<user_record> find_user_by_passkey(const txn& t,
                                                std::string_view passkey);

/// True when `credential` is the user's community credential; compares
/// hashes in constant time, and is false for a user without one.
bool credential_matches(const user_record& rec, std::string_view credential);

/// Gives `rec` a new community credential and passkey (the old ones stop
/// working once the record is put); returns the clear-text credential.
std::string rotate_credential(user_record& rec);

/// The e-mail address as stored and looked up: trimmed, lower case. "" when
/// `email` is not shaped like one (one '@' with text on both sides, no
/// spaces or controls, at most 254 characters).
std::string normalize_email(std::string_view email);

/// Finds a user by name.
std::optional<user_record> find_user_by_name(const txn& t,
                                             std::string_view name);

/// Inserts or replaces a user and the indexes of its name, keys, e-mail
/// and passkey. Throws std::invalid_argument when another user holds the
/// e-mail address already.
void put_user(txn& t, const user_record& rec);

/// Reserves the next user id.
user_id next_user_id(txn& t);

} // namespace skyhaul::storage
