// Signature Version 4 (base/sigv4.hpp, http/s3_v4_header.hpp): the input
// is a target, NUL, and what follows `AWS4-HMAC-SHA256 ` in an
// Authorization header. Canonicalising the path and query twice is doing
// it once; a header claim that parses, written out again, parses to the
// same claim; a request signed here parses as a claim naming its parts.
#include "base/percent.hpp"
#include "base/sigv4.hpp"
#include "fuzz/check.hpp"
#include "http/s3_v4_header.hpp"

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (auto& n : names)
    out += (out.empty() ? "" : ";") + n;
  return out;
}

std::string written(const v4_claim& c) {
  return "Credential=" + c.access_key + '/' + c.scope.str()
         + ", SignedHeaders=" + join(c.signed_headers)
         + ", Signature=" + c.signature;
}

bool same(const v4_claim& a, const v4_claim& b) {
  return a.access_key == b.access_key && a.scope.str() == b.scope.str()
         && a.signed_headers == b.signed_headers && a.signature == b.signature;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [target, auth] = fuzz::split2(fuzz::text(data, size));
  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto query = q == std::string::npos ? std::string{} : target.substr(q + 1);

  auto uri = sigv4_canonical_uri(path);
  FUZZ_CHECK(sigv4_canonical_uri(uri) == uri);
  auto cq = sigv4_canonical_query(query);
  FUZZ_CHECK(sigv4_canonical_query(cq) == cq);
  (void) sigv4_literal_query(query, "X-Amz-Signature");
  FUZZ_CHECK(url_decode(aws_uri_encode(path, false), false) == path);

  v4_claim claim;
  if (parse_v4_header(auth, claim).empty()) {
    v4_claim again;
    FUZZ_CHECK(parse_v4_header(written(claim), again).empty());
    FUZZ_CHECK(same(claim, again));
  }

  if (!path.empty() && path.front() == '/') {
    std::map<std::string, std::string> headers{{"host", "s3.example"}};
    auto added = sigv4_sign("GET", target, headers, std::string{unsigned_payload},
                            "AKID", "secret", "us-east-1", 1700000000);
    std::string authorization;
    for (auto& [name, value] : added)
      if (name == "authorization")
        authorization = value;
    auto prefix = std::string{sigv4_algorithm} + ' ';
    FUZZ_CHECK(authorization.compare(0, prefix.size(), prefix) == 0);
    v4_claim mine;
    FUZZ_CHECK(parse_v4_header(authorization.substr(prefix.size()), mine)
                 .empty());
    FUZZ_CHECK(mine.access_key == "AKID");
    FUZZ_CHECK(mine.scope.region == "us-east-1");
    FUZZ_CHECK(mine.signed_headers.size() >= 1);
    FUZZ_CHECK(mine.signature.size() == 64);
  }
  return 0;
}
