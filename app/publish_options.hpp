#pragma once

// `--publish HOST:PORT` and the files it needs (`--publish-cert`,
// `--publish-key`, `--publish-ca`): checked when the settings are loaded,
// so a start that would publish without client authentication stops with
// a message instead.

#include "protocol/settings.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace skyhaul {

/// Where to publish: an address to bind (IPv4, IPv6 without brackets, or
/// a name) and a port (0: any free one).
struct publish_address {
  std::string host;
  uint16_t port = 0;
};

/// Parses `HOST:PORT` (`[V6]:PORT` for IPv6). Throws
/// `std::invalid_argument` saying what is wrong.
publish_address parse_publish_address(const std::string& text);

/// Nothing when `s.publish` is empty; otherwise its address, after
/// checking that the certificate, the key and the CA of the client
/// certificates are all named. Throws `std::invalid_argument`.
std::optional<publish_address> check_publish_options(const settings& s);

} // namespace skyhaul
