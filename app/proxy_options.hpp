#pragma once
// The `proxies` element of the config file, and the settings that name a
// proxy of it (`default_proxy`, `bt_proxy`).

#include "protocol/settings.hpp"

#include <rapidjson/fwd.h>
#include <string>
#include <vector>

namespace skyhaul {

/// Reads `[{"id":…,"name":…,"region":…,"url":…}, …]`. Throws
/// `std::invalid_argument` naming the proxy and the problem.
std::vector<proxy_config> parse_proxies(const rapidjson::Value& v);

/// Parses a proxy URL, `SCHEME://[USER[:PASSWORD]@]HOST:PORT[/]`, into
/// `out`'s scheme, host, port and decoded credentials. Throws
/// `std::invalid_argument` saying what is wrong with it.
void parse_proxy_url(const std::string& url, proxy_config& out);

/// Checks that `default_proxy` and `bt_proxy` name configured proxies,
/// and that `bt_proxy` is a SOCKS5 one (libtorrent carries peers through
/// nothing else). Throws `std::invalid_argument`.
void check_proxy_choices(const settings& s);

} // namespace skyhaul
