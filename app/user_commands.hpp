#pragma once

// `skyhauld user add|passwd|credential`: the user commands. They open the
// database themselves, so they work beside a running daemon (LMDB has one
// writer across processes), which honours the change on its next read.

#include "app/options.hpp"
#include "protocol/settings.hpp"

#include <string>

namespace skyhaul {
namespace storage {
struct new_user;
} // namespace storage

/// The JSON printed for a new user (and kept in admin.json): id, name, the
/// clear-text api key, S3 key pair, callback secret, community credential,
/// tracker passkey and e-mail.
std::string user_json(const storage::new_user& u);

/// Runs `cmd` (one of the user commands); the exit status.
int run_user_command(const settings& cfg, const command& cmd);

} // namespace skyhaul
