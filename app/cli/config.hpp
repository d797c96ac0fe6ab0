#pragma once

// Where the CLI finds its server and api key: `--api`/`--key`, else the
// environment (SKYHAUL_API, SKYHAUL_KEY), else the config file that
// `skyhaul login` writes ($XDG_CONFIG_HOME/skyhaul/config, by default
// ~/.config/skyhaul/config, mode 0600).

#include <optional>
#include <string>

namespace skyhaul::cli {

/// A server and the key to call it with.
struct endpoint {
  /// Base URL without a trailing slash, e.g. http://127.0.0.1:7700.
  std::string api = "http://127.0.0.1:7700";
  std::string key;
};

/// The config file's path; empty when neither XDG_CONFIG_HOME nor HOME is
/// set.
std::string config_path();

/// The endpoint the file names (its defaults where it names nothing);
/// nullopt when there is no file.
std::optional<endpoint> read_config(const std::string& path);

/// Writes `ep` to `path` with mode 0600 (creating its folder); returns an
/// error text, empty on success.
std::string write_config(const std::string& path, const endpoint& ep);

/// Layers flags over the environment over the file.
endpoint resolve_endpoint(const std::optional<std::string>& api_flag,
                          const std::optional<std::string>& key_flag);

/// `url` without trailing slashes, with `http://` when it has no scheme.
std::string normalize_api(std::string url);

} // namespace skyhaul::cli
