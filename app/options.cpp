#include "app/options.hpp"

#include "app/idc_options.hpp"
#include "app/proxy_options.hpp"
#include "app/publish_options.hpp"
#include "app/plan_options.hpp"
#include "base/net_policy.hpp"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <rapidjson/document.h>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace skyhaul {

namespace {

using setter = std::function<void(settings&, const std::string&)>;

template <class T> setter num(T settings::*field) {
  return [field](settings& s, const std::string& v) {
    try {
      size_t pos = 0;
      auto x = std::stoll(v, &pos);
      if (pos != v.size() || x < 0)
        throw std::invalid_argument("");
      s.*field = static_cast<T>(x);
    } catch (const std::exception&) {
      throw std::invalid_argument("not a non-negative number: " + v);
    }
  };
}

setter str(std::string settings::*field) {
  return [field](settings& s, const std::string& v) { s.*field = v; };
}

setter one_of(std::string settings::*field,
              std::initializer_list<const char*> words) {
  std::vector<std::string> allowed{words.begin(), words.end()};
  return [field, allowed](settings& s, const std::string& v) {
    for (auto& w : allowed)
      if (v == w) {
        s.*field = v;
        return;
      }
    std::string all;
    for (auto& w : allowed)
      all += (all.empty() ? "" : ", ") + w;
    throw std::invalid_argument("not one of " + all + ": " + v);
  };
}

setter ratio(double settings::*field) {
  return [field](settings& s, const std::string& v) {
    try {
      size_t pos = 0;
      auto x = std::stod(v, &pos);
      if (pos != v.size() || !(x > 0) || x > 1e6)
        throw std::invalid_argument("");
      s.*field = x;
    } catch (const std::exception&) {
      throw std::invalid_argument("not a positive number: " + v);
    }
  };
}

setter flag(bool settings::*field) {
  return [field](settings& s, const std::string& v) {
    if (v == "true" || v == "1" || v.empty())
      s.*field = true;
    else if (v == "false" || v == "0")
      s.*field = false;
    else
      throw std::invalid_argument("not a boolean: " + v);
  };
}

/// `--allow-network`: appends networks (a comma-separated list is several),
/// each checked now so a typo stops the start with its name.
setter networks(std::vector<std::string> settings::*field,
                const std::string& name = "--allow-network") {
  return [field, name](settings& s, const std::string& v) {
    size_t start = 0;
    while (start <= v.size()) {
      auto end = v.find(',', start);
      auto item = v.substr(start, end == std::string::npos ? end : end - start);
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t") + 1);
      if (!base::parse_cidr(item))
        throw std::invalid_argument(
            name + ": not a network in CIDR notation (like "
            "10.1.0.0/16 or fd00::/8, host bits zero): "
            + item);
      (s.*field).push_back(base::to_string(*base::parse_cidr(item)));
      if (end == std::string::npos)
        break;
      start = end + 1;
    }
  };
}

/// Every option, by its dashed name; the same names are used in the config
/// file and (upper-cased, SKYHAUL_ prefix, underscores) in the environment.
const std::map<std::string, setter>& options() {
  static const std::map<std::string, setter> opts = {
      {"data-dir", str(&settings::data_dir)},
      {"api", str(&settings::api)},
      {"offline", str(&settings::offline)},
      {"s3", str(&settings::s3)},
      {"allow-private-networks", flag(&settings::allow_private_networks)},
      {"allow-network", networks(&settings::allow_networks)},
      {"max-active", num(&settings::max_active)},
      {"max-tries", num(&settings::max_tries)},
      {"retry-base-ms", num(&settings::retry_base_ms)},
      {"retry-max-ms", num(&settings::retry_max_ms)},
      {"connect-timeout", num(&settings::connect_timeout_s)},
      {"low-speed-limit", num(&settings::low_speed_limit)},
      {"low-speed-time", num(&settings::low_speed_time_s)},
      {"max-redirects", num(&settings::max_redirects)},
      {"max-download-size", num(&settings::max_download_size)},
      {"global-rate-limit", num(&settings::global_rate_limit)},
      {"task-rate-limit", num(&settings::task_rate_limit)},
      {"split", num(&settings::split)},
      {"max-connections-per-host", num(&settings::max_connections_per_host)},
      {"min-split-size", num(&settings::min_split_size)},
      {"max-body-bytes", num(&settings::max_body_bytes)},
      {"http-threads", num(&settings::http_threads)},
      {"actor-threads", num(&settings::actor_threads)},
      {"actor-policy",
       one_of(&settings::actor_policy, {"sharing", "stealing"})},
      {"request-timeout-ms", num(&settings::request_timeout_ms)},
      {"idle-timeout-ms", num(&settings::idle_timeout_ms)},
      {"link-ttl", num(&settings::link_ttl_s)},
      {"map-size", num(&settings::map_size)},
      {"callback-max-tries", num(&settings::callback_max_tries)},
      {"callback-window", num(&settings::callback_window_s)},
      {"callback-timeout-ms", num(&settings::callback_timeout_ms)},
      {"callback-retry-base-ms", num(&settings::callback_retry_base_ms)},
      {"callback-retry-max-ms", num(&settings::callback_retry_max_ms)},
      {"replica-max-tries", num(&settings::replica_max_tries)},
      {"replica-retry-base-ms", num(&settings::replica_retry_base_ms)},
      {"replica-retry-max-ms", num(&settings::replica_retry_max_ms)},
      {"default-proxy", str(&settings::default_proxy)},
      {"bt-proxy", str(&settings::bt_proxy)},
      {"push-max-tries", num(&settings::push_max_tries)},
      {"push-retry-base-ms", num(&settings::push_retry_base_ms)},
      {"push-retry-max-ms", num(&settings::push_retry_max_ms)},
      {"push-multipart-threshold", num(&settings::push_multipart_threshold)},
      {"push-part-size", num(&settings::push_part_size)},
      {"push-ca-file", str(&settings::push_ca_file)},
      // Trust for sources.
      {"source-ca-file", str(&settings::source_ca_file)},
      {"proxy-ca-file", str(&settings::proxy_ca_file)},
      {"source-known-hosts", str(&settings::source_known_hosts)},
      {"source-ssh-key", str(&settings::source_ssh_key)},
      {"bt-listen", str(&settings::bt_listen)},
      {"bt-dht", flag(&settings::bt_dht)},
      {"bt-lsd", flag(&settings::bt_lsd)},
      {"bt-port-mapping", flag(&settings::bt_port_mapping)},
      {"bt-utp", flag(&settings::bt_utp)},
      {"bt-encryption",
       one_of(&settings::bt_encryption, {"enabled", "forced", "disabled"})},
      {"bt-connections-limit", num(&settings::bt_connections_limit)},
      {"bt-torrent-connections-limit",
       num(&settings::bt_torrent_connections_limit)},
      {"bt-download-limit", num(&settings::bt_download_limit)},
      {"bt-upload-limit", num(&settings::bt_upload_limit)},
      {"bt-task-download-limit", num(&settings::bt_task_download_limit)},
      {"bt-task-upload-limit", num(&settings::bt_task_upload_limit)},
      {"bt-seed", one_of(&settings::bt_seed, {"stop", "ratio", "time"})},
      {"bt-seed-ratio", ratio(&settings::bt_seed_ratio)},
      {"bt-seed-time", num(&settings::bt_seed_time_s)},
      {"bt-metadata-timeout", num(&settings::bt_metadata_timeout_s)},
      {"bt-max-torrent-size", num(&settings::bt_max_torrent_size)},
      {"bt-resume-interval", num(&settings::bt_resume_interval_s)},
      // The community face's tracker.
      {"tracker-interval", num(&settings::tracker_interval_s)},
      {"tracker-min-interval", num(&settings::tracker_min_interval_s)},
      {"tracker-max-peers", num(&settings::tracker_max_peers)},
      {"tracker-flush-ms", num(&settings::tracker_flush_ms)},
      {"tracker-url", str(&settings::tracker_url)},
      // Live events.
      {"event-retention-count", num(&settings::event_retention_count)},
      {"event-retention-age", num(&settings::event_retention_age_s)},
      {"event-heartbeat-ms", num(&settings::event_heartbeat_ms)},
      // The Offcloud face (plans and cors_origins: config file only).
      {"default-plan", str(&settings::default_plan)},
      {"session-ttl", num(&settings::session_ttl_s)},
      {"login-max-failures", num(&settings::login_max_failures)},
      {"login-window", num(&settings::login_window_s)},
      {"trusted-proxy",
       networks(&settings::trusted_proxies, "--trusted-proxy")},
      // GET /metrics.
      {"metrics-token", str(&settings::metrics_token)},
      // Other CAF processes over TLS with client certificates.
      {"publish", str(&settings::publish)},
      {"publish-cert", str(&settings::publish_cert)},
      {"publish-key", str(&settings::publish_key)},
      {"publish-ca", str(&settings::publish_ca)},
  };
  return opts;
}

std::string dashed(std::string key) {
  for (auto& c : key)
    if (c == '_')
      c = '-';
  return key;
}

void apply(settings& s, const std::string& key, const std::string& value) {
  auto& opts = options();
  auto i = opts.find(dashed(key));
  if (i == opts.end())
    throw std::invalid_argument("unknown option: " + key);
  i->second(s, value);
}

void load_file(settings& s, const std::string& path) {
  std::ifstream in{path};
  if (!in)
    throw std::invalid_argument("cannot read config file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(buf.str().c_str());
  if (doc.HasParseError() || !doc.IsObject())
    throw std::invalid_argument("config file is not a JSON object: " + path);
  for (auto& m : doc.GetObject()) {
    std::string key = m.name.GetString();
    if (key == "idcs") {
      s.idcs = parse_idcs(m.value);
      continue;
    }
    if (key == "proxies") {
      s.proxies = parse_proxies(m.value);
      continue;
    }
    if (key == "plans") {
      s.plans = parse_plans(m.value);
      continue;
    }
    if (dashed(key) == "cors-origins") {
      s.cors_origins = parse_cors_origins(m.value);
      continue;
    }
    if (dashed(key) == "video-sites") {
      if (!m.value.IsArray())
        throw std::invalid_argument("video_sites in " + path
                                    + " must be a list of host names");
      s.video_sites.clear();
      for (auto& item : m.value.GetArray()) {
        if (!item.IsString() || item.GetStringLength() == 0
            || item.GetStringLength() > 253)
          throw std::invalid_argument("video_sites in " + path
                                      + " must list host names");
        s.video_sites.emplace_back(item.GetString());
      }
      continue;
    }
    if ((dashed(key) == "allow-network" || dashed(key) == "trusted-proxy")
        && m.value.IsArray()) {
      for (auto& item : m.value.GetArray()) {
        if (!item.IsString())
          throw std::invalid_argument(key + " in " + path
                                      + " must list strings");
        apply(s, key, item.GetString());
      }
      continue;
    }
    if (m.value.IsString())
      apply(s, key, m.value.GetString());
    else if (m.value.IsBool())
      apply(s, key, m.value.GetBool() ? "true" : "false");
    else if (m.value.IsInt64())
      apply(s, key, std::to_string(m.value.GetInt64()));
    else if (m.value.IsNumber())
      apply(s, key, std::to_string(m.value.GetDouble()));
    else
      throw std::invalid_argument("bad value for " + key + " in " + path);
  }
}

void load_env(settings& s) {
  for (auto& kvp : options()) {
    std::string name = "SKYHAUL_";
    for (auto c : kvp.first)
      name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    if (auto v = std::getenv(name.c_str()))
      kvp.second(s, v);
  }
}

} // namespace

settings load_settings(const std::vector<std::string>& args, command& cmd) {
  settings s;
  std::vector<std::pair<std::string, std::string>> cli;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    auto& a = args[i];
    if (a == "-h" || a == "--help") {
      cmd.what = command::help;
      return s;
    }
    if (a.rfind("--", 0) != 0) {
      positional.push_back(a);
      continue;
    }
    auto key = a.substr(2);
    std::string value;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (key == "allow-private-networks" || key == "admin"
               || key == "may-cancel-offline" || key == "password-stdin") {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      throw std::invalid_argument("missing value for --" + key);
    }
    if (key == "config")
      s.config_file = value;
    else
      cli.emplace_back(key, value);
  }
  if (!positional.empty()) {
    if (positional.size() == 3 && positional[0] == "user"
        && (positional[1] == "add" || positional[1] == "passwd"
            || positional[1] == "credential")) {
      cmd.what = positional[1] == "add"      ? command::user_add
                 : positional[1] == "passwd" ? command::user_passwd
                                             : command::user_credential;
      cmd.name = positional[2];
    } else {
      throw std::invalid_argument("unknown command: " + positional[0]);
    }
  }
  if (!s.config_file.empty())
    load_file(s, s.config_file);
  load_env(s);
  for (auto& [key, value] : cli) {
    if (cmd.what == command::user_add && key == "admin") {
      cmd.admin = value != "false";
    } else if (cmd.what == command::user_add && key == "may-cancel-offline") {
      cmd.may_cancel_offline = value != "false";
    } else if (cmd.what == command::user_add && key == "level") {
      settings tmp;
      num (&settings::max_active)(tmp, value);
      cmd.level = tmp.max_active;
    } else if (cmd.what == command::user_add && key == "email") {
      cmd.email = value;
    } else if (cmd.what == command::user_add && key == "plan") {
      cmd.plan = value;
    } else if ((cmd.what == command::user_add
                || cmd.what == command::user_passwd)
               && key == "password-stdin") {
      cmd.password_stdin = value != "false";
    } else {
      apply(s, key, value);
    }
  }
  if (cmd.what != command::serve && cmd.what != command::help
      && cmd.name.empty())
    throw std::invalid_argument("user commands need a name");
  if (cmd.what == command::user_passwd && !cmd.password_stdin)
    throw std::invalid_argument("user passwd reads the password from stdin: "
                                "pass --password-stdin");
  check_proxy_choices(s);
  check_publish_options(s);
  return s;
}

const char* usage() {
  return "usage: skyhauld [--config FILE] [--data-dir DIR] [--api HOST:PORT]\n"
         "                [--offline HOST:PORT] [--s3 HOST:PORT]\n"
         "                [--allow-private-networks] [--allow-network CIDR ...]\n"
         "                [--publish HOST:PORT --publish-cert FILE\n"
         "                 --publish-key FILE --publish-ca FILE]\n"
         "                [--OPTION VALUE ...]\n"
         "       skyhauld user add NAME [--admin] [--level N] "
         "[--may-cancel-offline]\n"
         "                [--email EMAIL] [--password-stdin] [--plan NAME]"
         " --data-dir DIR\n"
         "       skyhauld user passwd NAME --password-stdin --data-dir DIR\n"
         "       skyhauld user credential NAME --data-dir DIR\n";
}

} // namespace skyhaul
