#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/user_record.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

/// A freshly made user with the clear-text api key, shown once.
struct new_user {
  user_record rec;
  std::string api_key;
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

/// Finds a user by name.
std::optional<user_record> find_user_by_name(const txn& t,
                                             std::string_view name);

/// Inserts or replaces a user and the indexes of its name and keys.
void put_user(txn& t, const user_record& rec);

/// Reserves the next user id.
user_id next_user_id(txn& t);

} // namespace skyhaul::storage
