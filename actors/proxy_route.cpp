#include "actors/proxy_route.hpp"

#include "protocol/text.hpp"

#include <cstring>
#include <memory>
#include <netdb.h>
#include <sys/socket.h>

namespace skyhaul {

namespace {

/// The host (without brackets) and port of `url`, by curl's own parser so
/// that the check reads the URL as the transfer will.
bool host_and_port(const std::string& url, std::string& host,
                   std::string& port) {
  std::unique_ptr<CURLU, void (*)(CURLU*)> u{curl_url(), curl_url_cleanup};
  // ftpes:// (explicit TLS) is ftp:// to curl, port 21 included.
  auto as_curl = url.size() > 6 && ascii_lower(url.substr(0, 6)) == "ftpes:"
                     ? "ftp:" + url.substr(6)
                     : url;
  if (!u
      || curl_url_set(u.get(), CURLUPART_URL, as_curl.c_str(), 0) != CURLUE_OK)
    return false;
  char* h = nullptr;
  char* p = nullptr;
  auto ok = curl_url_get(u.get(), CURLUPART_HOST, &h, 0) == CURLUE_OK
            && curl_url_get(u.get(), CURLUPART_PORT, &p, CURLU_DEFAULT_PORT)
                   == CURLUE_OK;
  if (ok) {
    host = h;
    port = p;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
  }
  curl_free(h);
  curl_free(p);
  return ok;
}

} // namespace

const proxy_config* find_proxy(const std::vector<proxy_config>& proxies,
                               const std::string& id) {
  for (auto& p : proxies)
    if (p.id == id)
      return &p;
  return nullptr;
}

std::string task_proxy_id(const settings& cfg, const task_spec& spec) {
  return spec.proxy_id.empty() ? cfg.default_proxy : spec.proxy_id;
}

std::string torrent_proxy_refusal(const settings& cfg, const std::string& id) {
  if (id.empty())
    return {};
  auto* proxy = find_proxy(cfg.proxies, id);
  if (!proxy)
    return "unknown proxy '" + id
           + "': the configuration has no proxy of that id";
  if (!proxy->is_socks() || id == cfg.bt_proxy)
    return {};
  return "proxy '" + id + "' cannot carry a torrent's peers: they go "
         + (cfg.bt_proxy.empty() ? std::string{"direct"}
                                 : "through bt_proxy '" + cfg.bt_proxy + "'")
         + " for every torrent (set bt_proxy to '" + id + "' to use it)";
}

std::string check_origin(const std::string& url, const base::net_policy& policy,
                         bool& unresolved, std::string& pins) {
  unresolved = false;
  pins.clear();
  std::string host;
  std::string port;
  if (!host_and_port(url, host, port))
    return "cannot read the host of " + url;
  auto refused = [&](const base::ip_address& a) {
    return "refused to connect to " + base::to_string(a) + " (" + host
           + "): private networks are not allowed";
  };
  if (auto literal = base::parse_address(host))
    return policy.allows(*literal) ? std::string{} : refused(*literal);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (auto rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
      rc != 0) {
    unresolved = true;
    return "cannot resolve " + host + " to check it against the network "
           + "policy: " + gai_strerror(rc);
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> hold{res, ::freeaddrinfo};
  std::string list;
  for (auto* ai = res; ai; ai = ai->ai_next) {
    auto a = base::address_of(ai->ai_addr);
    if (!a)
      continue;
    if (!policy.allows(*a))
      return refused(*a);
    auto text = base::to_string(*a);
    if (list.find(text) != std::string::npos)
      continue;
    list += (list.empty() ? "" : ",") + (a->v6 ? "[" + text + "]" : text);
  }
  if (list.empty()) {
    unresolved = true;
    return "cannot resolve " + host
           + " to check it against the network "
             "policy: no address";
  }
  pins = host + ":" + port + ":" + list;
  return {};
}

void apply_proxy(CURL* easy, const proxy_config& proxy, const std::string& pins,
                 curl_slist*& resolve) {
  // The parts, not the URL: curl gets exactly what the start checked.
  auto host = proxy.host.find(':') != std::string::npos ? "[" + proxy.host + "]"
                                                        : proxy.host;
  curl_easy_setopt(easy, CURLOPT_PROXY, host.c_str());
  curl_easy_setopt(easy, CURLOPT_PROXYPORT, static_cast<long>(proxy.port));
  long type = CURLPROXY_HTTP;
  if (proxy.scheme == "https")
    type = CURLPROXY_HTTPS;
  else if (proxy.scheme == "socks5")
    type = CURLPROXY_SOCKS5;
  else if (proxy.scheme == "socks5h")
    type = CURLPROXY_SOCKS5_HOSTNAME;
  curl_easy_setopt(easy, CURLOPT_PROXYTYPE, type);
  // An empty list: no host bypasses the proxy, whatever NO_PROXY says.
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "");
  if (!proxy.user.empty()) {
    curl_easy_setopt(easy, CURLOPT_PROXYUSERNAME, proxy.user.c_str());
    curl_easy_setopt(easy, CURLOPT_PROXYPASSWORD, proxy.password.c_str());
  }
  if (proxy.scheme == "socks5" && !pins.empty()) {
    resolve = curl_slist_append(resolve, pins.c_str());
    curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve);
  }
}

} // namespace skyhaul
