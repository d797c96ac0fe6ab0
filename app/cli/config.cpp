#include "app/cli/config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace skyhaul::cli {

namespace {

std::string env(const char* name) {
  auto* v = std::getenv(name);
  return v ? v : "";
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

} // namespace

std::string normalize_api(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  if (!url.empty() && url.find("://") == std::string::npos)
    url = "http://" + url;
  return url;
}

std::string config_path() {
  auto xdg = env("XDG_CONFIG_HOME");
  if (!xdg.empty())
    return xdg + "/skyhaul/config";
  auto home = env("HOME");
  if (!home.empty())
    return home + "/.config/skyhaul/config";
  return {};
}

std::optional<endpoint> read_config(const std::string& path) {
  if (path.empty())
    return std::nullopt;
  std::ifstream in{path};
  if (!in)
    return std::nullopt;
  endpoint ep;
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#')
      continue;
    auto eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    auto name = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (name == "api")
      ep.api = normalize_api(value);
    else if (name == "key")
      ep.key = value;
  }
  return ep;
}

std::string write_config(const std::string& path, const endpoint& ep) {
  if (path.empty())
    return "neither XDG_CONFIG_HOME nor HOME is set";
  std::error_code err;
  auto dir = std::filesystem::path{path}.parent_path();
  std::filesystem::create_directories(dir, err);
  if (err)
    return "cannot create " + dir.string() + ": " + err.message();
  // Written beside, then renamed: a crash never leaves half a key, and
  // the key is never readable by others, not even for a moment.
  auto tmp = path + ".tmp";
  auto fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return "cannot write " + tmp;
  ::fchmod(fd, 0600);
  auto text = "# written by skyhaul login\napi = " + ep.api + "\nkey = "
              + ep.key + "\n";
  auto ok = ::write(fd, text.data(), text.size())
              == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return "cannot write " + path;
  }
  return {};
}

endpoint resolve_endpoint(const std::optional<std::string>& api_flag,
                          const std::optional<std::string>& key_flag) {
  endpoint ep;
  if (auto file = read_config(config_path()))
    ep = *file;
  if (auto api = env("SKYHAUL_API"); !api.empty())
    ep.api = normalize_api(api);
  if (auto key = env("SKYHAUL_KEY"); !key.empty())
    ep.key = key;
  if (api_flag)
    ep.api = normalize_api(*api_flag);
  if (key_flag)
    ep.key = *key_flag;
  return ep;
}

} // namespace skyhaul::cli
