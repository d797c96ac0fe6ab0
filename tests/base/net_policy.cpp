#define BOOST_TEST_MODULE net_policy
#include <boost/test/unit_test.hpp>

// The one network policy: every boundary of every refused range, IPv4-mapped
// addresses, --allow-network holes, and the intervals libtorrent's
// ip_filter is built from, which must agree with `allows` everywhere.

#include "base/net_policy.hpp"

#include <string>
#include <vector>

using namespace skyhaul::base;

namespace {

/// A refused range and the addresses on both sides of its edges. Empty
/// `before`/`after` where the neighbour is refused too (or there is none).
struct edge {
  const char* range;
  const char* before;
  const char* first;
  const char* last;
  const char* after;
};

const std::vector<edge>& edges() {
  static const std::vector<edge> list = {
      {"0.0.0.0/8", "", "0.0.0.0", "0.255.255.255", "1.0.0.0"},
      {"10.0.0.0/8", "9.255.255.255", "10.0.0.0", "10.255.255.255",
       "11.0.0.0"},
      {"100.64.0.0/10", "100.63.255.255", "100.64.0.0", "100.127.255.255",
       "100.128.0.0"},
      {"127.0.0.0/8", "126.255.255.255", "127.0.0.0", "127.255.255.255",
       "128.0.0.0"},
      {"169.254.0.0/16", "169.253.255.255", "169.254.0.0", "169.254.255.255",
       "169.255.0.0"},
      {"172.16.0.0/12", "172.15.255.255", "172.16.0.0", "172.31.255.255",
       "172.32.0.0"},
      {"192.0.0.0/24", "191.255.255.255", "192.0.0.0", "192.0.0.255",
       "192.0.1.0"},
      {"192.168.0.0/16", "192.167.255.255", "192.168.0.0", "192.168.255.255",
       "192.169.0.0"},
      {"198.18.0.0/15", "198.17.255.255", "198.18.0.0", "198.19.255.255",
       "198.20.0.0"},
      {"224.0.0.0/4", "223.255.255.255", "224.0.0.0", "239.255.255.255", ""},
      {"240.0.0.0/4", "", "240.0.0.0", "255.255.255.254", ""},
      {"255.255.255.255/32", "", "255.255.255.255", "255.255.255.255", ""},
      {"::/128", "", "::", "::", ""},
      {"::1/128", "", "::1", "::1", ""},
      {"::ffff:0:0/96", "::fffe:ffff:ffff", "::ffff:0.0.0.0",
       "::ffff:255.255.255.255", "::1:0:0:0"},
      {"64:ff9b::/96", "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", "64:ff9b::",
       "64:ff9b::ffff:ffff", "64:ff9b::1:0:0"},
      {"fc00::/7", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::",
       "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::"},
      {"fe80::/10", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::",
       "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
      {"ff00::/8", "", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
       ""},
      {"::/96", "", "::", "::ffff:ffff", "::1:0:0"},
      {"64:ff9b:1::/48", "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", "64:ff9b:1::",
       "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:2::"},
      {"fec0::/10", "", "fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
       ""},
  };
  return list;
}

ip_address addr(const std::string& text) {
  auto a = parse_address(text);
  BOOST_REQUIRE_MESSAGE(a, "not an address: " << text);
  return *a;
}

/// What the intervals (libtorrent's view) say about `a`.
bool in_intervals(const std::vector<ip_interval>& set, const ip_address& a) {
  auto key = [](const ip_address& x) { return std::make_pair(x.v6, x.bytes); };
  for (auto& i : set)
    if (key(i.first) <= key(a) && key(a) <= key(i.last))
      return true;
  return false;
}

/// Every address the edge table names, plus a few public ones.
std::vector<std::string> probes() {
  std::vector<std::string> out = {"1.1.1.1",      "8.8.8.8",
                                  "93.184.216.34", "2606:2800:220:1::1",
                                  "2001:db8::1",  "::ffff:8.8.8.8",
                                  "::ffff:10.0.0.1"};
  for (auto& e : edges())
    for (auto* p : {e.before, e.first, e.last, e.after})
      if (*p != 0)
        out.emplace_back(p);
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_list_is_the_documented_one) {
  std::vector<std::string> names;
  for (auto& r : refused_ranges())
    names.push_back(to_string(r));
  std::vector<std::string> want;
  for (auto& e : edges())
    want.emplace_back(e.range);
  want[14] = "::ffff:0.0.0.0/96"; // as inet_ntop spells it
  BOOST_CHECK_EQUAL_COLLECTIONS(names.begin(), names.end(), want.begin(),
                                want.end());
}

BOOST_AUTO_TEST_CASE(every_edge_of_every_range) {
  net_policy policy;
  for (auto& e : edges()) {
    BOOST_TEST_CONTEXT(e.range) {
      BOOST_CHECK(!policy.allows(addr(e.first)));
      BOOST_CHECK(!policy.allows(addr(e.last)));
      if (*e.before != 0)
        BOOST_CHECK(policy.allows(addr(e.before)));
      if (*e.after != 0)
        BOOST_CHECK(policy.allows(addr(e.after)));
    }
  }
  // The neighbours the table leaves out are refused by the next range.
  BOOST_CHECK(!policy.allows(addr("240.0.0.0")));
  BOOST_CHECK(!policy.allows(addr("::1")));
  BOOST_CHECK(!policy.allows(addr("::2")));
  BOOST_CHECK(!policy.allows(addr("fec0::")));
  BOOST_CHECK(!policy.allows(addr("ff00::")));
  BOOST_CHECK(policy.allows(addr("223.255.255.255")));
  // IPv4 in IPv6 is private when the IPv4 address is, whatever the form.
  for (auto* a : {"::127.0.0.1", "::10.0.0.1", "64:ff9b::7f00:1",
                  "64:ff9b:1::a00:1", "::ffff:127.0.0.1"})
    BOOST_CHECK_MESSAGE(!policy.allows(addr(a)), a);
}

BOOST_AUTO_TEST_CASE(v4_mapped_addresses_are_checked_as_ipv4) {
  net_policy policy;
  for (auto* a : {"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
                  "::ffff:192.0.0.8", "::ffff:198.19.0.1", "::ffff:224.0.0.1",
                  "::ffff:255.255.255.255", "::ffff:0.0.0.0"})
    BOOST_CHECK_MESSAGE(!policy.allows(std::string{a}), a);
  for (auto* a : {"::ffff:8.8.8.8", "::ffff:1.0.0.0", "::ffff:11.0.0.0",
                  "::ffff:128.0.0.0"})
    BOOST_CHECK_MESSAGE(policy.allows(std::string{a}), a);
  BOOST_CHECK(unmapped(addr("::ffff:1.2.3.4")) == addr("1.2.3.4"));
  BOOST_CHECK(unmapped(addr("::1")) == addr("::1"));
}

BOOST_AUTO_TEST_CASE(text_that_is_no_address_is_refused) {
  net_policy policy;
  BOOST_CHECK(!policy.allows(std::string{""}));
  BOOST_CHECK(!policy.allows(std::string{"localhost"}));
  BOOST_CHECK(!policy.allows(std::string{"[::1]"}));
  BOOST_CHECK(policy.allows(std::string{"8.8.8.8"}));
}

BOOST_AUTO_TEST_CASE(allow_all_lets_everything_through) {
  net_policy all{true};
  for (auto& p : probes())
    BOOST_CHECK_MESSAGE(all.allows(addr(p)), p);
  BOOST_CHECK(all.refused_intervals().empty());
}

BOOST_AUTO_TEST_CASE(an_allowed_network_punches_a_hole) {
  auto policy = net_policy::from_settings(false, {"10.1.0.0/16", "fd00::/8"});
  BOOST_CHECK(!policy.allows(addr("10.0.255.255")));
  BOOST_CHECK(policy.allows(addr("10.1.0.0")));
  BOOST_CHECK(policy.allows(addr("10.1.255.255")));
  BOOST_CHECK(policy.allows(addr("::ffff:10.1.2.3")));
  BOOST_CHECK(!policy.allows(addr("10.2.0.0")));
  BOOST_CHECK(!policy.allows(addr("10.255.255.255")));
  BOOST_CHECK(!policy.allows(addr("127.0.0.1")));
  BOOST_CHECK(!policy.allows(addr("fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
  BOOST_CHECK(policy.allows(addr("fd00::")));
  BOOST_CHECK(policy.allows(addr("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
  BOOST_CHECK(!policy.allows(addr("fe80::1")));
  // The intervals have the same holes.
  auto set = policy.refused_intervals();
  BOOST_CHECK(in_intervals(set, addr("10.0.255.255")));
  BOOST_CHECK(!in_intervals(set, addr("10.1.0.0")));
  BOOST_CHECK(!in_intervals(set, addr("10.1.255.255")));
  BOOST_CHECK(in_intervals(set, addr("10.2.0.0")));
  BOOST_CHECK(!in_intervals(set, addr("::ffff:10.1.0.0")));
  BOOST_CHECK(in_intervals(set, addr("::ffff:10.2.0.0")));
  BOOST_CHECK(!in_intervals(set, addr("fd12::1")));
}

BOOST_AUTO_TEST_CASE(loopback_alone_can_be_allowed) {
  auto policy = net_policy::from_settings(false, {"127.0.0.0/8"});
  BOOST_CHECK(policy.allows(addr("127.0.0.1")));
  BOOST_CHECK(policy.allows(addr("127.255.255.255")));
  BOOST_CHECK(policy.allows(addr("::ffff:127.0.0.1")));
  BOOST_CHECK(policy.allows(addr("126.255.255.255")));
  BOOST_CHECK(!policy.allows(addr("::1")));
  BOOST_CHECK(!policy.allows(addr("10.0.0.1")));
  BOOST_CHECK(!policy.allows(addr("0.255.255.255")));
}

BOOST_AUTO_TEST_CASE(a_v4_mapped_network_is_the_ipv4_one) {
  auto r = parse_cidr("::ffff:127.0.0.0/104");
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(to_string(*r), "127.0.0.0/8");
  auto policy = net_policy{false, {*r}};
  BOOST_CHECK(policy.allows(addr("127.0.0.1")));
}

BOOST_AUTO_TEST_CASE(cidr_text_is_checked) {
  BOOST_CHECK(parse_cidr("10.0.0.0/8"));
  BOOST_CHECK(parse_cidr("0.0.0.0/0"));
  BOOST_CHECK(parse_cidr("::/0"));
  BOOST_CHECK(parse_cidr("fd00::/8"));
  BOOST_CHECK_EQUAL(to_string(*parse_cidr("192.168.1.7")), "192.168.1.7/32");
  BOOST_CHECK_EQUAL(to_string(*parse_cidr("::1")), "::1/128");
  for (auto* bad : {"", "/8", "10.0.0.1/8", "10.0.0.0/33", "10/8",
                    "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/ 8",
                    "fd00::/129", "fd00::1/8", "localhost", "[::1]/128",
                    "10.0.0.0/0008"})
    BOOST_CHECK_MESSAGE(!parse_cidr(bad), bad);
  BOOST_CHECK_THROW(net_policy::from_settings(false, {"10.0.0.0/8", "nope"}),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(ranges_know_their_ends) {
  auto r = *parse_cidr("172.16.0.0/12");
  BOOST_CHECK_EQUAL(to_string(first_address(r)), "172.16.0.0");
  BOOST_CHECK_EQUAL(to_string(last_address(r)), "172.31.255.255");
  BOOST_CHECK(contains(r, addr("172.20.1.1")));
  BOOST_CHECK(!contains(r, addr("::ffff:172.20.1.1")));
  auto all6 = *parse_cidr("::/0");
  BOOST_CHECK_EQUAL(to_string(last_address(all6)),
                    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

BOOST_AUTO_TEST_CASE(intervals_agree_with_allows_everywhere) {
  for (auto& policy :
       {net_policy{}, net_policy::from_settings(false, {"127.0.0.0/8"}),
        net_policy::from_settings(false, {"10.1.0.0/16", "fd00::/8",
                                          "::ffff:192.168.0.0/112"}),
        net_policy::from_settings(false, {"0.0.0.0/0"}),
        net_policy::from_settings(false, {"::/0"})}) {
    auto set = policy.refused_intervals();
    for (auto& p : probes())
      BOOST_CHECK_MESSAGE(in_intervals(set, addr(p)) == !policy.allows(addr(p)),
                          p);
  }
  // A public IPv4 peer seen as a mapped address is not blocked wholesale.
  BOOST_CHECK(!in_intervals(net_policy{}.refused_intervals(),
                            addr("::ffff:8.8.8.8")));
}
