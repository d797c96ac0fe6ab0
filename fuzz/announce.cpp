// Tracker announce queries (http/announce_query.hpp): the input is the
// query string. An announce that parses, written out again with every
// value percent-encoded, parses to the same announce.
#include "base/percent.hpp"
#include "fuzz/check.hpp"
#include "http/announce_query.hpp"

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

request announce_of(const std::string& query) {
  request req;
  req.target = "/announce/pk?" + query;
  req.params["passkey"] = "pk";
  req.peer = "192.0.2.7";
  return req;
}

const char* event_name(announce_event e) {
  switch (e) {
    case announce_event::started:
      return "started";
    case announce_event::stopped:
      return "stopped";
    case announce_event::completed:
      return "completed";
    default:
      return "";
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto query = fuzz::text(data, size);
  auto pairs = raw_query_pairs("/scrape?" + query);
  FUZZ_CHECK(pairs.size() <= query.size());
  announce_request a;
  bool compact = true;
  auto req = announce_of(query);
  if (!parse_announce(req, a, compact).empty())
    return 0;
  FUZZ_CHECK(a.info_hash.size() == 20 && a.peer_id.size() == 20);
  FUZZ_CHECK(a.port != 0 && a.ip.size() == 4);
  FUZZ_CHECK(a.numwant <= 1000);
  auto again = "info_hash=" + url_encode(a.info_hash) + "&peer_id="
               + url_encode(a.peer_id) + "&port=" + std::to_string(a.port)
               + "&uploaded=" + std::to_string(a.uploaded) + "&downloaded="
               + std::to_string(a.downloaded) + "&left="
               + std::to_string(a.left) + "&event=" + event_name(a.event)
               + "&numwant=" + std::to_string(a.numwant)
               + "&compact=" + (compact ? "1" : "0");
  announce_request b;
  bool compact2 = true;
  auto req2 = announce_of(again);
  FUZZ_CHECK(parse_announce(req2, b, compact2).empty());
  FUZZ_CHECK(b.info_hash == a.info_hash && b.peer_id == a.peer_id
             && b.port == a.port && b.uploaded == a.uploaded
             && b.downloaded == a.downloaded && b.left == a.left
             && b.event == a.event && b.numwant == a.numwant
             && compact2 == compact && b.ip == a.ip);
  return 0;
}
