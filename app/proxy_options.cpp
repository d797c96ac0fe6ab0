#include "app/proxy_options.hpp"

#include "base/net_policy.hpp"
#include "base/percent.hpp"

#include <rapidjson/document.h>
#include <set>
#include <stdexcept>

namespace skyhaul {

namespace {

[[noreturn]] void fail(const std::string& msg) {
  throw std::invalid_argument("proxies: " + msg);
}

std::string text(const rapidjson::Value& v, const std::string& what) {
  if (!v.IsString())
    fail(what + " must be a string");
  return {v.GetString(), v.GetStringLength()};
}

const proxy_config* find(const settings& s, const std::string& id) {
  for (auto& p : s.proxies)
    if (p.id == id)
      return &p;
  return nullptr;
}

proxy_config parse_one(const rapidjson::Value& v) {
  if (!v.IsObject())
    fail("each proxy must be an object");
  proxy_config c;
  for (auto& m : v.GetObject()) {
    std::string key{m.name.GetString(), m.name.GetStringLength()};
    if (key == "id")
      c.id = text(m.value, key);
    else if (key == "name")
      c.name = text(m.value, key);
    else if (key == "region")
      c.region = text(m.value, key);
    else if (key == "url")
      c.url = text(m.value, key);
    else
      fail("unknown element " + key);
  }
  if (c.id.empty() || c.id.size() > 64)
    fail("every proxy needs an id of 1 to 64 characters");
  for (unsigned char ch : c.id)
    if (ch <= ' ' || ch >= 0x7f)
      fail("proxy id '" + c.id + "' must be printable ASCII without blanks");
  try {
    parse_proxy_url(c.url, c);
  } catch (const std::invalid_argument& e) {
    fail(c.id + ": " + e.what());
  }
  return c;
}

} // namespace

void parse_proxy_url(const std::string& url, proxy_config& out) {
  auto sep = url.find("://");
  if (sep == std::string::npos)
    throw std::invalid_argument("url must be SCHEME://[USER:PASSWORD@]HOST:PORT"
                                ", not "
                                + url);
  auto scheme = url.substr(0, sep);
  if (scheme != "http" && scheme != "https" && scheme != "socks5"
      && scheme != "socks5h")
    throw std::invalid_argument("url scheme must be http, https, socks5 or "
                                "socks5h, not '"
                                + scheme + "'");
  auto rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  if (rest.find_first_of("/?#") != std::string::npos)
    throw std::invalid_argument("url must not have a path: " + url);
  std::string user, password;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    auto info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = info.find(':');
    user = url_decode(info.substr(0, colon), false);
    if (colon != std::string::npos)
      password = url_decode(info.substr(colon + 1), false);
    if (user.empty())
      throw std::invalid_argument("url has credentials without a user name");
  }
  std::string host, port;
  bool bracketed = !rest.empty() && rest[0] == '[';
  if (bracketed) {
    auto close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size()
        || rest[close + 1] != ':')
      throw std::invalid_argument("url needs [IPV6]:PORT: " + url);
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string::npos)
      throw std::invalid_argument("url needs a port (HOST:PORT): " + url);
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  auto v6 = base::parse_address(host);
  if (bracketed
          ? !v6 || !v6->v6
          : host.empty() || host.find_first_of(" :@[]") != std::string::npos)
    throw std::invalid_argument("url has no valid host: " + url);
  if (port.empty() || port.size() > 5
      || port.find_first_not_of("0123456789") != std::string::npos
      || std::stoul(port) == 0 || std::stoul(port) > 65535)
    throw std::invalid_argument("url port must be 1 to 65535: " + url);
  out.scheme = scheme;
  out.host = host;
  out.port = static_cast<uint16_t>(std::stoul(port));
  out.user = user;
  out.password = password;
}

std::vector<proxy_config> parse_proxies(const rapidjson::Value& v) {
  if (!v.IsArray())
    fail("must be a list of proxy objects");
  std::vector<proxy_config> out;
  std::set<std::string> ids;
  for (auto& x : v.GetArray()) {
    out.push_back(parse_one(x));
    if (!ids.insert(out.back().id).second)
      fail("two proxies have the id " + out.back().id);
  }
  return out;
}

void check_proxy_choices(const settings& s) {
  if (!s.default_proxy.empty() && !find(s, s.default_proxy))
    throw std::invalid_argument("default_proxy: no proxy has the id '"
                                + s.default_proxy + "'");
  if (s.bt_proxy.empty())
    return;
  auto* p = find(s, s.bt_proxy);
  if (!p)
    throw std::invalid_argument("bt_proxy: no proxy has the id '" + s.bt_proxy
                                + "'");
  if (!p->is_socks())
    throw std::invalid_argument("bt_proxy: '" + s.bt_proxy
                                + "' is not a SOCKS5 proxy; libtorrent "
                                  "carries peers through SOCKS5 only");
}

} // namespace skyhaul
