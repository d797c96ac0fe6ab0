#pragma once

#include "protocol/settings.hpp"

#include <string>
#include <vector>

namespace skyhaul {

/// What the command line asks for.
struct command {
  enum kind { serve, user_add, help } what = serve;
  /// `user add NAME`: the name, admin flag and level.
  std::string name;
  bool admin = false;
  uint32_t level = 0;
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
