#include "base/net_policy.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>

namespace skyhaul::base {

namespace {

using u128 = unsigned __int128;

constexpr uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0,
                                       0, 0, 0, 0, 0xff, 0xff};

unsigned width(const ip_address& a) {
  return a.v6 ? 128 : 32;
}

u128 value(const ip_address& a) {
  u128 v = 0;
  for (unsigned i = 0; i < width(a) / 8; ++i)
    v = (v << 8) | a.bytes[i];
  return v;
}

ip_address from_value(bool v6, u128 v) {
  ip_address a;
  a.v6 = v6;
  for (unsigned i = width(a) / 8; i-- > 0;) {
    a.bytes[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  return a;
}

/// The bits past the prefix, set.
u128 host_mask(const ip_range& r) {
  auto bits = width(r.base) - r.prefix;
  return bits >= 128 ? ~u128{0} : (u128{1} << bits) - 1;
}

bool is_mapped(const ip_address& a) {
  return a.v6 && std::equal(mapped_prefix, mapped_prefix + 12, a.bytes.begin());
}

/// Inclusive interval of one family's values.
struct span {
  u128 lo;
  u128 hi;
};

span span_of(const ip_range& r) {
  auto lo = value(r.base);
  return {lo, lo | host_mask(r)};
}

/// `set` (sorted, disjoint) without `cut`.
std::vector<span> subtract(const std::vector<span>& set, span cut) {
  std::vector<span> out;
  for (auto s : set) {
    if (cut.hi < s.lo || cut.lo > s.hi) {
      out.push_back(s);
      continue;
    }
    if (cut.lo > s.lo)
      out.push_back({s.lo, cut.lo - 1});
    if (cut.hi < s.hi)
      out.push_back({cut.hi + 1, s.hi});
  }
  return out;
}

/// Sorted and with overlapping or touching spans joined.
std::vector<span> normalise(std::vector<span> set) {
  std::sort(set.begin(), set.end(),
            [](const span& x, const span& y) { return x.lo < y.lo; });
  std::vector<span> out;
  for (auto s : set) {
    if (!out.empty()
        && (s.lo <= out.back().hi
            || (out.back().hi != ~u128{0} && s.lo == out.back().hi + 1))) {
      out.back().hi = std::max(out.back().hi, s.hi);
      continue;
    }
    out.push_back(s);
  }
  return out;
}

std::vector<span> minus_allowed(std::vector<span> set, bool v6,
                                const std::vector<ip_range>& allowed) {
  set = normalise(std::move(set));
  for (auto& r : allowed)
    if (r.base.v6 == v6)
      set = subtract(set, span_of(r));
  return set;
}

} // namespace

std::optional<ip_address> parse_address(const std::string& text) {
  ip_address a;
  if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1)
    return a;
  a.v6 = true;
  if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1)
    return a;
  return std::nullopt;
}

std::optional<ip_address> address_of(const sockaddr* addr) {
  if (addr == nullptr)
    return std::nullopt;
  ip_address a;
  if (addr->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    std::memcpy(a.bytes.data(), &in->sin_addr, 4);
    return a;
  }
  if (addr->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    a.v6 = true;
    std::memcpy(a.bytes.data(), &in6->sin6_addr, 16);
    return a;
  }
  return std::nullopt;
}

std::string to_string(const ip_address& a) {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof(buf));
  return buf;
}

std::optional<ip_range> parse_cidr(const std::string& text) {
  auto slash = text.find('/');
  auto addr = parse_address(text.substr(0, slash));
  if (!addr)
    return std::nullopt;
  ip_range r;
  r.base = *addr;
  r.prefix = width(*addr);
  if (slash != std::string::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3
        || digits.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    r.prefix = static_cast<unsigned>(std::stoul(digits));
    if (r.prefix > width(*addr))
      return std::nullopt;
  }
  if ((value(r.base) & host_mask(r)) != 0)
    return std::nullopt;
  if (is_mapped(r.base) && r.prefix >= 96) {
    r.base = unmapped(r.base);
    r.prefix -= 96;
  }
  return r;
}

std::string to_string(const ip_range& r) {
  return to_string(r.base) + "/" + std::to_string(r.prefix);
}

bool contains(const ip_range& r, const ip_address& a) {
  if (r.base.v6 != a.v6)
    return false;
  return (value(a) & ~host_mask(r)) == value(r.base);
}

ip_address first_address(const ip_range& r) {
  return r.base;
}

ip_address last_address(const ip_range& r) {
  return from_value(r.base.v6, span_of(r).hi);
}

ip_address unmapped(const ip_address& a) {
  if (!is_mapped(a))
    return a;
  ip_address v4;
  std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.bytes.begin());
  return v4;
}

const std::vector<ip_range>& refused_ranges() {
  static const std::vector<ip_range> list = [] {
    std::vector<ip_range> out;
    for (auto text : {
             "0.0.0.0/8",          // "this network"
             "10.0.0.0/8",         // private
             "100.64.0.0/10",      // carrier-grade NAT
             "127.0.0.0/8",        // loopback
             "169.254.0.0/16",     // link-local (cloud metadata)
             "172.16.0.0/12",      // private
             "192.0.0.0/24",       // IETF protocol assignments
             "192.168.0.0/16",     // private
             "198.18.0.0/15",      // benchmarking
             "224.0.0.0/4",        // multicast
             "240.0.0.0/4",        // reserved
             "255.255.255.255/32", // broadcast
             "::/128",             // unspecified
             "::1/128",            // loopback
             "::ffff:0:0/96",      // IPv4-mapped: checked as IPv4
             "64:ff9b::/96",       // NAT64
             "fc00::/7",           // unique local
             "fe80::/10",          // link-local
             "ff00::/8",           // multicast
             "::/96",              // IPv4-compatible (deprecated)
             "64:ff9b:1::/48",     // local-use NAT64 (RFC 8215)
             "fec0::/10",          // site-local (deprecated)
         }) {
      // Parsed by hand: parse_cidr turns the mapped range into 0.0.0.0/0.
      std::string s = text;
      auto slash = s.find('/');
      ip_range r;
      r.base = *parse_address(s.substr(0, slash));
      r.prefix = static_cast<unsigned>(std::stoul(s.substr(slash + 1)));
      out.push_back(r);
    }
    return out;
  }();
  return list;
}

net_policy::net_policy(bool allow_all, std::vector<ip_range> allowed)
    : allow_all_(allow_all), allowed_(std::move(allowed)) {
}

net_policy net_policy::from_settings(bool allow_all,
                                     const std::vector<std::string>& allowed) {
  std::vector<ip_range> ranges;
  for (auto& text : allowed) {
    auto r = parse_cidr(text);
    if (!r)
      throw std::invalid_argument(
          "not a network in CIDR notation (like 10.1.0.0/16 or fd00::/8, "
          "host bits zero): "
          + text);
    ranges.push_back(*r);
  }
  return net_policy{allow_all, std::move(ranges)};
}

bool net_policy::allows(const ip_address& a) const {
  if (allow_all_)
    return true;
  for (auto& r : allowed_)
    if (contains(r, a))
      return true;
  auto v4 = unmapped(a);
  if (!(v4 == a)) {
    // A mapped address is the IPv4 address it carries.
    for (auto& r : allowed_)
      if (contains(r, v4))
        return true;
    return allows(v4);
  }
  for (auto& r : refused_ranges())
    if (contains(r, a))
      return false;
  return true;
}

bool net_policy::allows(const std::string& text) const {
  auto a = parse_address(text);
  return a && allows(*a);
}

std::vector<ip_interval> net_policy::refused_intervals() const {
  std::vector<ip_interval> out;
  if (allow_all_)
    return out;
  std::vector<span> v4;
  std::vector<span> v6;
  for (auto& r : refused_ranges()) {
    if (!r.base.v6)
      v4.push_back(span_of(r));
    else if (!is_mapped(r.base))
      v6.push_back(span_of(r));
  }
  v4 = minus_allowed(std::move(v4), false, allowed_);
  u128 mapped_base = value(*parse_address("::ffff:0.0.0.0"));
  for (auto s : v4)
    v6.push_back({mapped_base + s.lo, mapped_base + s.hi});
  v6 = minus_allowed(std::move(v6), true, allowed_);
  for (auto s : v4)
    out.push_back({from_value(false, s.lo), from_value(false, s.hi)});
  for (auto s : v6)
    out.push_back({from_value(true, s.lo), from_value(true, s.hi)});
  return out;
}

} // namespace skyhaul::base
