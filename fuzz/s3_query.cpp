// Request targets as the S3 and every other face read them
// (http/message.hpp `parse_target`), and their canonical V2 resource.
// The path and query a target splits into, written out again encoded,
// split into the same path and query.
#include "base/percent.hpp"
#include "base/sigv2.hpp"
#include "fuzz/check.hpp"
#include "http/message.hpp"

using namespace skyhaul;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto target = fuzz::text(data, size);
  std::string path;
  std::map<std::string, std::string> query;
  http::parse_target(target, path, query);
  FUZZ_CHECK(path.size() <= target.size());

  auto again = aws_uri_encode(path, true);
  if (!query.empty()) {
    again += '?';
    bool first = true;
    for (auto& [k, v] : query) {
      again += (first ? "" : "&") + url_encode(k) + '=' + url_encode(v);
      first = false;
    }
  }
  std::string path2;
  std::map<std::string, std::string> query2;
  http::parse_target(again, path2, query2);
  FUZZ_CHECK(path2 == path);
  // An empty name is dropped, and so is a pair that decodes to one.
  query.erase("");
  query2.erase("");
  FUZZ_CHECK(query2 == query);

  auto q = target.find('?');
  auto resource = sigv2_canonical_resource(
      target.substr(0, q),
      q == std::string::npos ? std::string{} : target.substr(q + 1));
  FUZZ_CHECK(!resource.empty());
  return 0;
}
