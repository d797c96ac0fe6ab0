#include <boost/test/unit_test.hpp>

// The policy's two adapters: curl's open-socket callback and libtorrent's
// ip_filter. Both must refuse exactly what the policy refuses.

#include "actors/net_policy.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <libtorrent/address.hpp>
#include <unistd.h>

using namespace skyhaul;

namespace {

/// A curl_sockaddr with room for an IPv6 address after it, as curl hands
/// one over: the public struct's `addr` holds only a `sockaddr` (16 bytes).
struct socket_address {
  curl_sockaddr sa;
  unsigned char room[sizeof(sockaddr_in6)];

  operator const curl_sockaddr&() const {
    return sa;
  }
};

socket_address sockaddr_of(const std::string& ip) {
  socket_address holder{};
  auto& sa = holder.sa;
  sa.socktype = SOCK_STREAM;
  sa.protocol = IPPROTO_TCP;
  if (ip.find(':') == std::string::npos) {
    sa.family = AF_INET;
    sa.addrlen = sizeof(sockaddr_in);
    auto* in = reinterpret_cast<sockaddr_in*>(&sa.addr);
    in->sin_family = AF_INET;
    inet_pton(AF_INET, ip.c_str(), &in->sin_addr);
  } else {
    sa.family = AF_INET6;
    sa.addrlen = sizeof(sockaddr_in6);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&sa.addr);
    in6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr);
  }
  return holder;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_socket_callback_refuses_with_a_message) {
  base::net_policy policy;
  std::string refusal;
  auto fd = open_policy_socket(sockaddr_of("127.0.0.1"), policy, refusal);
  BOOST_CHECK(fd == CURL_SOCKET_BAD);
  BOOST_CHECK_EQUAL(refusal,
                    "refused to connect to 127.0.0.1: private networks are "
                    "not allowed");
  // Recognised as a refusal, also inside a longer message.
  BOOST_CHECK(is_policy_refusal(refusal));
  BOOST_CHECK(is_policy_refusal("part 1: " + refusal));
  BOOST_CHECK(!is_policy_refusal("Failed to connect to 8.8.8.8 port 80"));
  BOOST_CHECK(!is_policy_refusal(""));
  refusal.clear();
  BOOST_CHECK(open_policy_socket(sockaddr_of("::ffff:10.0.0.1"), policy,
                                 refusal)
              == CURL_SOCKET_BAD);
  BOOST_CHECK(!refusal.empty());
  refusal.clear();
  fd = open_policy_socket(sockaddr_of("8.8.8.8"), policy, refusal);
  BOOST_CHECK(fd != CURL_SOCKET_BAD);
  BOOST_CHECK(refusal.empty());
  if (fd != CURL_SOCKET_BAD)
    ::close(fd);
}

BOOST_AUTO_TEST_CASE(the_socket_callback_honours_allowed_networks) {
  auto policy = base::net_policy::from_settings(false, {"127.0.0.0/8"});
  std::string refusal;
  auto fd = open_policy_socket(sockaddr_of("127.0.0.1"), policy, refusal);
  BOOST_CHECK(fd != CURL_SOCKET_BAD);
  BOOST_CHECK(refusal.empty());
  if (fd != CURL_SOCKET_BAD)
    ::close(fd);
  BOOST_CHECK(open_policy_socket(sockaddr_of("::1"), policy, refusal)
              == CURL_SOCKET_BAD);
}

BOOST_AUTO_TEST_CASE(the_ip_filter_blocks_what_the_policy_refuses) {
  std::vector<std::string> probes = {
      "0.0.0.0",         "0.255.255.255", "1.0.0.0",         "9.255.255.255",
      "10.0.0.0",        "10.1.2.3",      "10.255.255.255",  "11.0.0.0",
      "100.64.0.0",      "100.128.0.0",   "127.0.0.1",       "128.0.0.0",
      "169.254.169.254", "172.31.255.255", "172.32.0.0",     "192.0.0.8",
      "192.0.1.0",       "192.168.1.1",   "198.18.0.1",      "198.20.0.0",
      "224.0.0.1",       "239.255.255.255", "240.0.0.1",     "255.255.255.255",
      "8.8.8.8",         "::",            "::1",             "::2",
      "::ffff:127.0.0.1", "::ffff:8.8.8.8", "64:ff9b::1",    "64:ff9b::1:0:0",
      "fc00::",          "fdff::1",       "fe00::",          "fe80::1",
      "febf::1",         "fec0::",        "ff02::1",         "2001:db8::1",
      "::127.0.0.1",     "::1:0:0",       "64:ff9b:1::a00:1", "64:ff9b:2::"};
  for (auto& policy : {base::net_policy{},
                       base::net_policy::from_settings(
                           false, {"127.0.0.0/8", "10.1.0.0/16", "fd00::/8"})}) {
    auto f = make_ip_filter(policy);
    for (auto& p : probes) {
      auto blocked
          = (f.access(lt::make_address(p)) & lt::ip_filter::blocked) != 0;
      BOOST_CHECK_MESSAGE(blocked == !policy.allows(p), p);
    }
  }
  auto open = make_ip_filter(base::net_policy{true});
  BOOST_CHECK_EQUAL(open.access(lt::make_address("127.0.0.1")), 0u);
}
