#include "actors/net_policy.hpp"

#include "actors/http_fetch.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

namespace skyhaul {

curl_socket_t open_policy_socket(const curl_sockaddr& addr, bool allow_private,
                                 std::string& refusal) {
  if (!allow_private) {
    char ip[INET6_ADDRSTRLEN] = {0};
    if (addr.family == AF_INET)
      inet_ntop(AF_INET,
                &reinterpret_cast<const sockaddr_in*>(&addr.addr)->sin_addr, ip,
                sizeof(ip));
    else if (addr.family == AF_INET6)
      inet_ntop(AF_INET6,
                &reinterpret_cast<const sockaddr_in6*>(&addr.addr)->sin6_addr,
                ip, sizeof(ip));
    if (ip[0] == 0 || is_private_address(ip)) {
      refusal = std::string{"refused to connect to "} + ip
                + ": private networks are not allowed";
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(addr.family, addr.socktype | SOCK_CLOEXEC, addr.protocol);
}

} // namespace skyhaul
