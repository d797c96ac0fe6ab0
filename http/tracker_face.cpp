#include "http/tracker_face.hpp"

#include "base/bencode.hpp"
#include "base/net_policy.hpp"
#include "http/bridge.hpp"
#include "http/tracker_error.hpp"

#include <algorithm>
#include <caf/all.hpp>

namespace skyhaul::http {

namespace {

using svc_ptr = std::shared_ptr<const services>;

/// Most info-hashes one scrape may name.
constexpr size_t max_scrape = 100;

/// The raw query pairs: a scrape repeats `info_hash`, and binary values
/// must not have '+' read as a space.
std::vector<std::pair<std::string, std::string>> raw_query(
    const std::string& target) {
  std::vector<std::pair<std::string, std::string>> out;
  auto q = target.find('?');
  if (q == std::string::npos)
    return out;
  size_t pos = q + 1;
  while (pos <= target.size()) {
    auto amp = target.find('&', pos);
    auto part = target.substr(pos, amp == std::string::npos ? std::string::npos
                                                            : amp - pos);
    if (!part.empty()) {
      auto eq = part.find('=');
      out.emplace_back(url_decode(part.substr(0, eq), false),
                       eq == std::string::npos
                           ? std::string{}
                           : url_decode(part.substr(eq + 1), false));
    }
    if (amp == std::string::npos)
      break;
    pos = amp + 1;
  }
  return out;
}

bool counter(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 19
      || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stoull(text);
  return true;
}

/// The announce, or why it is malformed.
std::string parse_announce(const request& req, announce_request& a,
                           bool& compact) {
  a.passkey = req.params.at("passkey");
  bool has_port = false;
  bool has_left = false;
  for (auto& [k, v] : raw_query(req.target)) {
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

reply bencoded(std::string body) {
  reply r;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

void announce(const services& svc, request& req, responder respond) {
  announce_request a;
  bool compact = true;
  auto bad = parse_announce(req, a, compact);
  if (!bad.empty())
    return respond(tracker_failure(bad));
  ask(
      *svc.sys, svc.tracker,
      [respond, compact](announce_reply& rep) {
        if (!rep.failure.empty())
          return respond(tracker_failure(rep.failure));
        respond(bencoded(bencode_announce(rep, compact)));
      },
      [respond](caf::error&) {
        respond(tracker_failure("Tracker unavailable, try again later"));
      },
      atom::announce_v, std::move(a));
}

void scrape(const services& svc, request& req, responder respond) {
  scrape_request s;
  s.passkey = req.params.at("passkey");
  for (auto& [k, v] : raw_query(req.target))
    if (k == "info_hash") {
      if (v.size() != 20)
        return respond(tracker_failure("Invalid info_hash"));
      s.info_hashes.push_back(v);
    }
  if (s.info_hashes.size() > max_scrape)
    return respond(tracker_failure("At most 100 info_hash per scrape"));
  ask(
      *svc.sys, svc.tracker,
      [respond](scrape_reply& rep) {
        if (!rep.failure.empty())
          return respond(tracker_failure(rep.failure));
        respond(bencoded(bencode_scrape(std::move(rep))));
      },
      [respond](caf::error&) {
        respond(tracker_failure("Tracker unavailable, try again later"));
      },
      atom::scrape_v, std::move(s));
}

face tracker_face() {
  face f;
  f.name = "tracker";
  f.prefixes = {"/announce", "/scrape"};
  f.error = [](const request&, unsigned, const std::string& msg) {
    return tracker_failure(msg);
  };
  return f;
}

} // namespace

std::string bencode_announce(const announce_reply& rep, bool compact) {
  using namespace bencode;
  std::string out = "d8:complete";
  put_int(out, rep.complete);
  out += "10:incomplete";
  put_int(out, rep.incomplete);
  out += "8:interval";
  put_int(out, rep.interval);
  out += "12:min interval";
  put_int(out, rep.min_interval);
  out += "5:peers";
  if (compact) {
    std::string v4;
    std::string v6;
    for (auto& p : rep.peers) {
      auto& to = p.ip.size() == 16 ? v6 : v4;
      to += p.ip;
      to += static_cast<char>(p.port >> 8);
      to += static_cast<char>(p.port & 0xff);
    }
    put_string(out, v4);
    if (!v6.empty()) {
      out += "6:peers6";
      put_string(out, v6);
    }
  } else {
    out += 'l';
    for (auto& p : rep.peers) {
      base::ip_address a;
      a.v6 = p.ip.size() == 16;
      std::copy(p.ip.begin(), p.ip.end(), a.bytes.begin());
      out += "d2:ip";
      put_string(out, base::to_string(a));
      out += "7:peer id";
      put_string(out, p.peer_id);
      out += "4:port";
      put_int(out, p.port);
      out += 'e';
    }
    out += 'e';
  }
  out += 'e';
  return out;
}

std::string bencode_scrape(scrape_reply rep) {
  using namespace bencode;
  std::sort(rep.files.begin(), rep.files.end(),
            [](auto& x, auto& y) { return x.info_hash < y.info_hash; });
  std::string out = "d5:filesd";
  for (auto& f : rep.files) {
    put_string(out, f.info_hash);
    out += "d8:complete";
    put_int(out, f.complete);
    out += "10:downloaded";
    put_int(out, f.downloaded);
    out += "10:incomplete";
    put_int(out, f.incomplete);
    out += 'e';
  }
  out += "ee";
  return out;
}

void mount_tracker(router& r, svc_ptr svc) {
  auto m = r.mount(tracker_face());
  // The passkey in the path is the credential: the tracker checks it.
  m.add("GET", "/announce/:passkey", access::open,
        [svc](const caller_ptr&, request& req, responder rsp) {
          announce(*svc, req, std::move(rsp));
        });
  m.add("GET", "/scrape/:passkey", access::open,
        [svc](const caller_ptr&, request& req, responder rsp) {
          scrape(*svc, req, std::move(rsp));
        });
}

} // namespace skyhaul::http
