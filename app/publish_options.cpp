#include "app/publish_options.hpp"

#include <stdexcept>

namespace skyhaul {

publish_address parse_publish_address(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("--publish: " + why + " (HOST:PORT, e.g. "
                                 "127.0.0.1:7710): " + text);
  };
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw bad("no host and port");
  publish_address out;
  out.host = text.substr(0, colon);
  if (out.host.front() == '[') {
    if (out.host.size() < 3 || out.host.back() != ']')
      throw bad("an IPv6 address goes in brackets");
    out.host = out.host.substr(1, out.host.size() - 2);
  } else if (out.host.find(':') != std::string::npos) {
    throw bad("an IPv6 address goes in brackets");
  }
  auto port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5
      || port.find_first_not_of("0123456789") != std::string::npos
      || std::stoul(port) > 65535)
    throw bad("the port must be a number from 0 to 65535");
  out.port = static_cast<uint16_t>(std::stoul(port));
  return out;
}

std::optional<publish_address> check_publish_options(const settings& s) {
  if (s.publish.empty())
    return std::nullopt;
  auto addr = parse_publish_address(s.publish);
  // Never without client authentication: CAF would fall back to an
  // anonymous cipher that lets any process in.
  if (s.publish_ca.empty())
    throw std::invalid_argument(
      "--publish needs --publish-ca FILE: the CA that client certificates "
      "must chain to (Skyhaul is never published without client "
      "authentication)");
  if (s.publish_cert.empty() || s.publish_key.empty())
    throw std::invalid_argument(
      "--publish needs --publish-cert FILE and --publish-key FILE: this "
      "server's certificate (chain) and its private key, PEM");
  return addr;
}

} // namespace skyhaul
