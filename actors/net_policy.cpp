#include "actors/net_policy.hpp"

#include <libtorrent/address.hpp>
#include <sys/socket.h>

namespace skyhaul {

namespace {

constexpr const char* refusal_tail = ": private networks are not allowed";

} // namespace

curl_socket_t open_policy_socket(const curl_sockaddr& addr,
                                 const base::net_policy& policy,
                                 std::string& refusal) {
  if (!policy.allows_everything()) {
    auto ip = base::address_of(&addr.addr);
    if (!ip || !policy.allows(*ip)) {
      refusal = "refused to connect to "
                + (ip ? base::to_string(*ip) : std::string{"an unknown address"})
                + refusal_tail;
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(addr.family, addr.socktype | SOCK_CLOEXEC, addr.protocol);
}

bool is_policy_refusal(const std::string& error) {
  return error.find("refused to connect to ") != std::string::npos
         && error.find(refusal_tail) != std::string::npos;
}

lt::ip_filter make_ip_filter(const base::net_policy& policy) {
  lt::ip_filter f;
  for (auto& i : policy.refused_intervals())
    f.add_rule(lt::make_address(base::to_string(i.first)),
               lt::make_address(base::to_string(i.last)),
               lt::ip_filter::blocked);
  return f;
}

} // namespace skyhaul
