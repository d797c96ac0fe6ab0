#include "http/offcloud/forwarded.hpp"

#include "base/net_policy.hpp"

#include <cctype>

#include "protocol/text.hpp"

namespace skyhaul::http::offcloud {

namespace {

bool trusted(const settings& cfg, const std::string& address) {
  if (cfg.trusted_proxies.empty())
    return false;
  auto a = base::parse_address(address);
  if (!a)
    return false;
  for (auto& text : cfg.trusted_proxies)
    if (auto r = base::parse_cidr(text); r && base::contains(*r, *a))
      return true;
  return false;
}

} // namespace

bool from_trusted_proxy(const settings& cfg, const request& req) {
  return trusted(cfg, req.peer);
}

bool arrived_over_https(const settings& cfg, const request& req) {
  if (!from_trusted_proxy(cfg, req))
    return false;
  auto proto = req.header("x-forwarded-proto");
  // A chain of proxies lists one value each; the first is the client's.
  proto = trim_space(proto.substr(0, proto.find(',')));
  if (proto.size() != 5)
    return false;
  std::string low;
  for (auto c : proto)
    low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return low == "https";
}

std::string client_address(const settings& cfg, const request& req) {
  if (!from_trusted_proxy(cfg, req))
    return req.peer;
  auto& chain = req.header("x-forwarded-for");
  // Read from the right: each trusted proxy appended the address it saw;
  // the first one that is not ours is the client as far as we can know.
  auto end = chain.size();
  while (end > 0) {
    auto comma = chain.rfind(',', end - 1);
    auto start = comma == std::string::npos ? 0 : comma + 1;
    auto hop = trim_space(chain.substr(start, end - start));
    if (!base::parse_address(hop))
      break;
    if (!trusted(cfg, hop))
      return hop;
    if (comma == std::string::npos)
      break;
    end = comma;
  }
  return req.peer;
}

} // namespace skyhaul::http::offcloud
