#include "app/cli/args.hpp"

#include <algorithm>
#include <set>

namespace skyhaul::cli {

namespace {

const std::set<std::string> commands = {"add",    "ls",   "status", "watch",
                                        "pause",  "resume", "rm",   "get",
                                        "login",  "help"};

/// Options that take a value.
const std::set<std::string> with_value = {
  "api", "api-key", "key", "bucket", "target", "sha1", "md5", "crc32", "size",
  "state", "output", "files"};

const std::set<std::string> flag_names = {"json", "wait", "data", "paused",
                                          "pick-files", "help"};

} // namespace

bool args::flag(const std::string& name) const {
  return std::find(flags.begin(), flags.end(), name) != flags.end();
}

std::optional<std::string> args::value(const std::string& name) const {
  auto i = values.find(name);
  if (i == values.end() || i->second.empty())
    return std::nullopt;
  return i->second.back();
}

args parse_args(int argc, char** argv) {
  args a;
  std::vector<std::string> in(argv + 1, argv + argc);
  bool options_done = false;
  for (size_t i = 0; i < in.size(); ++i) {
    auto arg = in[i];
    if (!options_done && arg == "--") {
      options_done = true;
      continue;
    }
    bool is_opt = !options_done && arg.size() > 1 && arg[0] == '-';
    if (!is_opt) {
      if (a.command.empty()) {
        if (!commands.count(arg)) {
          a.error = "unknown command: " + arg;
          return a;
        }
        a.command = arg;
      } else {
        a.positional.push_back(arg);
      }
      continue;
    }
    std::string name;
    std::optional<std::string> inline_value;
    if (arg == "-o") {
      name = "output";
    } else if (arg == "-h") {
      name = "help";
    } else if (arg.rfind("--", 0) == 0) {
      name = arg.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
    } else {
      a.error = "unknown option: " + arg;
      return a;
    }
    if (flag_names.count(name)) {
      if (inline_value) {
        a.error = "option --" + name + " takes no value";
        return a;
      }
      if (name == "json")
        a.json = true;
      else
        a.flags.push_back(name);
      continue;
    }
    if (!with_value.count(name)) {
      a.error = "unknown option: " + arg;
      return a;
    }
    std::vector<std::string> vals;
    if (inline_value) {
      vals.push_back(*inline_value);
    } else if (i + 1 < in.size()) {
      vals.push_back(in[++i]);
    } else {
      a.error = "option --" + name + " needs a value";
      return a;
    }
    // `--files a b c`: every following word up to the next option.
    if (name == "files")
      while (i + 1 < in.size() && in[i + 1].rfind("-", 0) != 0)
        vals.push_back(in[++i]);
    // `--key` before the command, or after any command but add, is the
    // api key; after `add`, the object key.
    if (name == "api")
      a.api = vals.back();
    else if (name == "api-key" || (name == "key" && a.command != "add"))
      a.api_key = vals.back();
    else
      for (auto& v : vals)
        a.values[name].push_back(v);
  }
  if (a.command.empty() && !a.flag("help"))
    a.error = "no command given";
  return a;
}

const char* usage_text() {
  return "usage: skyhaul [--api URL] [--key APIKEY] [--json] COMMAND ...\n"
         "  add URL|MAGNET|FILE.torrent [--bucket B] [--key K | --target T]\n"
         "      [--files F...] [--sha1 H] [--md5 H] [--crc32 H] [--size N]\n"
         "      [--paused] [--pick-files] [--wait]\n"
         "  ls [--state S]              list your tasks\n"
         "  status TID                  one task\n"
         "  watch [TID...]              progress bars from the event stream\n"
         "  pause TID...  resume TID...\n"
         "  rm TID... [--data]          delete (--data: with its files)\n"
         "  get TID [FILE] [-o PATH]    download a stored file\n"
         "  login [--api URL] [--key APIKEY]  save them (key from stdin\n"
         "                              when not given)\n"
         "Server and key: --api/--key (--api-key after `add`), else\n"
         "SKYHAUL_API/SKYHAUL_KEY, else the file `login` writes\n"
         "($XDG_CONFIG_HOME/skyhaul/config or ~/.config/skyhaul/config).\n"
         "--json prints machine-readable output. Exit status: 0 success,\n"
         "1 failure (a waited task failed, the server refused), 2 usage.\n";
}

} // namespace skyhaul::cli
