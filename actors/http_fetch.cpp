#include "actors/http_fetch.hpp"

#include <memory>

#include <arpa/inet.h>
#include <caf/all.hpp>

#include "actors/http_fetch_loop.hpp"

namespace skyhaul {

namespace {

struct http_fetch_state {
  static inline const char* name = "http_fetch";
  std::shared_ptr<http_fetch_loop> loop;
};

http_fetch_actor::behavior_type
http_fetch(http_fetch_actor::stateful_pointer<http_fetch_state> self,
           settings cfg) {
  auto loop = std::make_shared<http_fetch_loop>(cfg);
  self->state.loop = loop;
  // The loop thread must end with the actor, whatever ends the actor.
  self->attach_functor([loop] { loop->shutdown(); });
  return {
    [=](atom::start, fetch_request& req, fetch_listener_actor& who) {
      loop->start(std::move(req), std::move(who));
    },
    [=](atom::stop, task_seq seq) { loop->stop(seq); },
  };
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0
        && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// Keeps the last path segment and drops what could not be a file name.
std::string sanitise(std::string name) {
  auto slash = name.find_last_of("/\\");
  if (slash != std::string::npos)
    name = name.substr(slash + 1);
  std::string out;
  for (auto c : name)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)
      out += c;
  while (!out.empty() && (out.back() == ' ' || out.back() == '.'))
    out.pop_back();
  if (out.empty() || out == "." || out == ".." || out.size() > 255)
    return "download";
  return out;
}

} // namespace

http_fetch_actor spawn_http_fetch(caf::actor_system& sys, const settings& cfg) {
  return sys.spawn(http_fetch, cfg);
}

bool is_private_address(const std::string& ip) {
  unsigned char a[16];
  if (inet_pton(AF_INET, ip.c_str(), a) == 1) {
    auto in = [&](unsigned char b0, unsigned bits, uint32_t net) {
      uint32_t x = (uint32_t(a[0]) << 24) | (uint32_t(a[1]) << 16)
                   | (uint32_t(a[2]) << 8) | a[3];
      uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
      (void) b0;
      return (x & mask) == (net & mask);
    };
    return in(0, 8, 0x00000000)      // 0.0.0.0/8
           || in(0, 8, 0x0a000000)   // 10/8
           || in(0, 10, 0x64400000)  // 100.64/10 (CGNAT)
           || in(0, 8, 0x7f000000)   // 127/8
           || in(0, 16, 0xa9fe0000)  // 169.254/16
           || in(0, 12, 0xac100000)  // 172.16/12
           || in(0, 24, 0xc0000000)  // 192.0.0/24
           || in(0, 16, 0xc0a80000)  // 192.168/16
           || in(0, 15, 0xc6120000)  // 198.18/15 (benchmarking)
           || in(0, 4, 0xe0000000)   // 224/4 multicast
           || in(0, 4, 0xf0000000);  // 240/4 reserved, broadcast
  }
  if (inet_pton(AF_INET6, ip.c_str(), a) != 1)
    return true; // not an address we understand: refuse
  static const unsigned char zero[16] = {0};
  if (std::equal(a, a + 15, zero) && (a[15] == 0 || a[15] == 1))
    return true; // :: and ::1
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0,
                                           0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(a, a + 12, mapped)) {
    char v4[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, a + 12, v4, sizeof(v4));
    return is_private_address(v4);
  }
  return (a[0] & 0xfe) == 0xfc                    // fc00::/7 unique local
         || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) // fe80::/10 link-local
         || a[0] == 0xff;                           // multicast
}

std::string file_name_from(const std::string& cd, const std::string& url) {
  if (!cd.empty()) {
    // RFC 6266: filename*=UTF-8''<pct-encoded> wins over filename=.
    auto star = cd.find("filename*=");
    if (star != std::string::npos) {
      auto v = cd.substr(star + 10);
      v = v.substr(0, v.find(';'));
      auto q = v.find("''");
      if (q != std::string::npos)
        return sanitise(percent_decode(v.substr(q + 2)));
    }
    auto plain = cd.find("filename=");
    if (plain != std::string::npos) {
      auto v = cd.substr(plain + 9);
      if (!v.empty() && v.front() == '"') {
        auto end = v.find('"', 1);
        v = v.substr(1, end == std::string::npos ? std::string::npos : end - 1);
      } else {
        v = v.substr(0, v.find(';'));
      }
      return sanitise(v);
    }
  }
  if (url.empty())
    return "download";
  auto path = url;
  auto scheme = path.find("://");
  if (scheme != std::string::npos) {
    auto slash = path.find('/', scheme + 3);
    path = slash == std::string::npos ? "" : path.substr(slash);
  }
  path = path.substr(0, path.find_first_of("?#"));
  auto last = path.find_last_of('/');
  return sanitise(percent_decode(
    last == std::string::npos ? path : path.substr(last + 1)));
}

} // namespace skyhaul
