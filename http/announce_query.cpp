#include "http/announce_query.hpp"

#include "base/net_policy.hpp"
#include "base/percent.hpp"

#include <algorithm>

namespace skyhaul::http {

namespace {

bool counter(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 19
      || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stoull(text);
  return true;
}

} // namespace

std::vector<std::pair<std::string, std::string>> raw_query_pairs(
    const std::string& target) {
  auto q = target.find('?');
  if (q == std::string::npos)
    return {};
  auto out = split_raw_query(std::string_view{target}.substr(q + 1));
  for (auto& [k, v] : out) {
    k = url_decode(k, false);
    v = url_decode(v, false);
  }
  return out;
}

std::string parse_announce(const request& req, announce_request& a,
                           bool& compact) {
  a.passkey = req.params.at("passkey");
  bool has_port = false;
  bool has_left = false;
  for (auto& [k, v] : raw_query_pairs(req.target)) {
    uint64_t n = 0;
    if (k == "info_hash") {
      a.info_hash = v;
    } else if (k == "peer_id") {
      a.peer_id = v;
    } else if (k == "port") {
      if (!counter(v, n) || n == 0 || n > 65535)
        return "Invalid port";
      a.port = static_cast<uint16_t>(n);
      has_port = true;
    } else if (k == "uploaded" || k == "downloaded" || k == "left") {
      if (!counter(v, n))
        return "Invalid " + k;
      (k == "uploaded" ? a.uploaded : k == "downloaded" ? a.downloaded
                                                        : a.left) = n;
      has_left = has_left || k == "left";
    } else if (k == "event") {
      if (v == "started")
        a.event = announce_event::started;
      else if (v == "stopped")
        a.event = announce_event::stopped;
      else if (v == "completed")
        a.event = announce_event::completed;
      else if (!v.empty() && v != "empty" && v != "paused")
        return "Invalid event";
    } else if (k == "numwant") {
      if (!counter(v, n))
        return "Invalid numwant";
      a.numwant = static_cast<uint32_t>(std::min<uint64_t>(n, 1000));
    } else if (k == "compact") {
      compact = v != "0";
    }
  }
  if (a.info_hash.size() != 20)
    return "Invalid info_hash";
  if (a.peer_id.size() != 20)
    return "Invalid peer_id";
  if (!has_port || !has_left)
    return "Missing port or left";
  auto addr = base::parse_address(req.peer);
  if (!addr)
    return "Unknown peer address";
  auto ip = base::unmapped(*addr);
  a.ip.assign(reinterpret_cast<const char*>(ip.bytes.data()), ip.v6 ? 16 : 4);
  return {};
}

} // namespace skyhaul::http
