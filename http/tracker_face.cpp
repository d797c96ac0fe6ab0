#include "http/tracker_face.hpp"

#include "base/bencode.hpp"
#include "base/net_policy.hpp"
#include "http/announce_query.hpp"
#include "http/bridge.hpp"
#include "http/tracker_error.hpp"

#include <algorithm>
#include <caf/all.hpp>

namespace skyhaul::http {

namespace {

using svc_ptr = std::shared_ptr<const services>;

/// Most info-hashes one scrape may name.
constexpr size_t max_scrape = 100;

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
  for (auto& [k, v] : raw_query_pairs(req.target))
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
