#pragma once

#include "protocol/settings.hpp"

#include <string>
#include <vector>

namespace skyhaul {

/// What the command line asks for.
struct command {
  enum kind { serve, user_add, user_passwd, user_credential, help } what
      = serve;
  /// `user add|passwd|credential NAME`: the name; for `add` the admin flag,
  /// level, e-mail, plan and whether a password comes on stdin.
  std::string name;
  bool admin = false;
  uint32_t level = 0;
  std::string email;
  std::string plan;
  /// `--password-stdin`: the first line of stdin is the password.
  bool password_stdin = false;
  /// May cancel tasks with the Offline API's DELETE.
  bool may_cancel_offline = false;
};

/// Builds the settings in layers: defaults, the config file (JSON, keys as
/// in `settings` with dashes or underscores), the environment
/// (`SKYHAUL_DATA_DIR`, ...), then the command line. Throws
/// std::invalid_argument with a message for bad input.
settings load_settings(const std::vector<std::string>& args, command& cmd);

/// The usage text of skyhauld.
const char* usage();

} // namespace skyhaul
