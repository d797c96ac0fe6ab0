#pragma once

// The one network policy: which addresses an outbound connection may reach.
// HTTP fetches, callbacks, replica uploads (through the curl loop's
// open-socket callback) and libtorrent's ip_filter (peers and trackers) all
// decide with the same list, so they cannot drift apart again.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct sockaddr;

namespace skyhaul::base {

/// An IPv4 or IPv6 address. IPv4 uses the first 4 bytes of `bytes`.
struct ip_address {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  friend bool operator==(const ip_address& x, const ip_address& y) {
    return x.v6 == y.v6 && x.bytes == y.bytes;
  }
};

/// A CIDR range: an address whose bits past `prefix` are zero.
struct ip_range {
  ip_address base;
  unsigned prefix = 0;
};

/// Parses a textual IPv4 or IPv6 address (no brackets, no zone).
std::optional<ip_address> parse_address(const std::string& text);

/// The address of an `AF_INET` or `AF_INET6` socket address.
std::optional<ip_address> address_of(const sockaddr* addr);

/// The textual form (`inet_ntop`).
std::string to_string(const ip_address& a);

/// Parses `ADDRESS/PREFIX`, or a bare address (a single host). Host bits
/// must be zero (`10.0.0.1/8` is refused: it reads like a mistake). An
/// IPv4-mapped IPv6 range with a prefix of 96 or more becomes the IPv4
/// range it carries, since mapped addresses are checked as IPv4.
std::optional<ip_range> parse_cidr(const std::string& text);

/// `ADDRESS/PREFIX`.
std::string to_string(const ip_range& r);

/// True when `a` lies in `r` (same family only).
bool contains(const ip_range& r, const ip_address& a);

/// The first and last address of a range.
ip_address first_address(const ip_range& r);
ip_address last_address(const ip_range& r);

/// An `::ffff:a.b.c.d` address as the IPv4 address it carries; any other
/// address as it is.
ip_address unmapped(const ip_address& a);

/// The ranges refused by default: loopback, private, link-local, CGNAT,
/// benchmarking, multicast, reserved, broadcast, and their IPv6
/// counterparts (with both NAT64 prefixes, IPv4-compatible and site-local
/// addresses). `::ffff:0:0/96` is among them; it is checked as the IPv4
/// address it carries.
const std::vector<ip_range>& refused_ranges();

/// An inclusive interval of addresses of one family.
struct ip_interval {
  ip_address first;
  ip_address last;
};

/// Decides whether an outbound connection may go to an address. Plain
/// data, copied into every component that connects out.
class net_policy {
public:
  /// Refuses every one of `refused_ranges()`.
  net_policy() = default;

  /// Refuses `refused_ranges()` except `allowed`; with `allow_all`
  /// nothing is refused (`--allow-private-networks`).
  explicit net_policy(bool allow_all, std::vector<ip_range> allowed = {});

  /// Parses `--allow-network` values. Throws std::invalid_argument naming
  /// the first bad one.
  static net_policy from_settings(bool allow_all,
                                  const std::vector<std::string>& allowed);

  bool allows(const ip_address& a) const;

  /// A textual address; text that is no address is refused.
  bool allows(const std::string& text) const;

  bool allows_everything() const {
    return allow_all_;
  }

  const std::vector<ip_range>& allowed() const {
    return allowed_;
  }

  /// What `allows` refuses, as sorted, disjoint intervals: the refused
  /// ranges minus the allowed ones. Every IPv4 interval appears a second
  /// time in IPv4-mapped IPv6 form, which replaces `::ffff:0:0/96` itself
  /// (so a public IPv4 peer seen as a mapped address stays reachable).
  /// Empty when everything is allowed. libtorrent's ip_filter blocks these.
  std::vector<ip_interval> refused_intervals() const;

private:
  bool allow_all_ = false;
  std::vector<ip_range> allowed_;
};

} // namespace skyhaul::base
