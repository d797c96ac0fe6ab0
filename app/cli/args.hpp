#pragma once

// The command line of `skyhaul`: `skyhaul [GLOBAL...] COMMAND [ARGS...]`.
// Options before the command are global (`--api`, `--key`, `--json`);
// after it `--key` is the object key for `add` and the api key for the
// other commands, and `--api-key` is the api key everywhere.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace skyhaul::cli {

struct args {
  std::string command;
  std::vector<std::string> positional;
  /// Options with values, by name without dashes; `files` may have many.
  std::map<std::string, std::vector<std::string>> values;
  std::vector<std::string> flags;
  std::optional<std::string> api;
  std::optional<std::string> api_key;
  bool json = false;
  /// Set when the command line is wrong: the usage error to show.
  std::string error;

  bool flag(const std::string& name) const;
  /// The last value of option `name`, if given.
  std::optional<std::string> value(const std::string& name) const;
};

/// Parses `argv[1...]`.
args parse_args(int argc, char** argv);

/// The usage text.
const char* usage_text();

} // namespace skyhaul::cli
