#pragma once

// Fetches through a configured proxy. Through a proxy the connection
// Skyhaul opens goes to the proxy, so the curl loop's connect-time check
// only sees the proxy's address; the origin's is checked here, before the
// URL is handed over (and again for every redirect, which the transfer
// then follows itself). With `socks5` the checked addresses are pinned, so
// curl connects to exactly those; with `http`, `https` and `socks5h` the
// proxy resolves the name again, so a name whose answer changes between
// the two lookups is the one case the check cannot close.

#include "base/net_policy.hpp"
#include "protocol/settings.hpp"
#include "protocol/task_spec.hpp"

#include <curl/curl.h>
#include <string>
#include <vector>

namespace skyhaul {

/// The proxy of id `id` among `proxies`; nullptr when there is none.
const proxy_config* find_proxy(const std::vector<proxy_config>& proxies,
                               const std::string& id);

/// The proxy id a task's fetches use: its own, else the default proxy.
std::string task_proxy_id(const settings& cfg, const task_spec& spec);

/// Why a torrent task cannot use proxy `id` (empty: it can). libtorrent's
/// proxy is session-wide (`bt_proxy`): a SOCKS5 proxy other than that one
/// would see the `.torrent` fetch while the peers went elsewhere, so such
/// a task fails instead. An HTTP(S) proxy carries the `.torrent` fetch
/// only, as for any HTTP fetch; the swarm goes as the session's does.
std::string torrent_proxy_refusal(const settings& cfg, const std::string& id);

/// The origin check of `url` under `policy`: resolves its host (blocking:
/// call it off the loop thread) and refuses when any address is refused,
/// since the proxy, not Skyhaul, picks the one it connects to. Returns the
/// refusal, empty when allowed; `unresolved` says the name did not resolve
/// (worth another try later). `pins` gets `HOST:PORT:ADDR,…` for
/// CURLOPT_RESOLVE (empty for an address literal).
std::string check_origin(const std::string& url, const base::net_policy& policy,
                         bool& unresolved, std::string& pins);

/// Sets the proxy options of `easy` for `proxy`: CURLOPT_PROXY,
/// CURLOPT_PROXYTYPE and the credentials. `pins` (from `check_origin`) is
/// appended to `resolve` and set for a `socks5` proxy.
void apply_proxy(CURL* easy, const proxy_config& proxy, const std::string& pins,
                 curl_slist*& resolve);

} // namespace skyhaul
