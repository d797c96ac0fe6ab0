// What the S3 face reads and writes as XML: the CreateBucketConfiguration
// body of `PUT /<bucket>` (http/s3_bucket_config.hpp), the escaping of
// every text it writes into XML and its error document
// (http/s3_error.hpp), and the `x-amz-grant-*` values a CreateBucket
// carries beside that body (protocol/acl.hpp). Input: `body NUL text`.
// A body without a LocationConstraint asks for no other region; the
// region of a well-formed body is refused unless it is empty or
// us-east-1; escaped text holds no markup and unescapes to itself, and an
// error document carries its message once, intact; grants that parse are
// normalised, and written out again they parse the same.
#include "fuzz/check.hpp"
#include "http/s3_bucket_config.hpp"
#include "http/s3_error.hpp"
#include "protocol/acl.hpp"
#include "protocol/enum_range.hpp"

#include <cstring>
#include <optional>

using namespace skyhaul;
using namespace skyhaul::http;

namespace {

/// The five entities xml_escape writes, undone; nullopt on anything else
/// after '&'.
std::optional<std::string> unescape(const std::string& s) {
  static const std::pair<const char*, char> entities[]
      = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'},
         {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '&') {
      out += s[i++];
      continue;
    }
    bool known = false;
    for (auto& [name, c] : entities)
      if (s.compare(i, std::strlen(name), name) == 0) {
        out += c;
        i += std::strlen(name);
        known = true;
        break;
      }
    if (!known)
      return std::nullopt;
  }
  return out;
}

void check_location(const std::string& body, const std::string& text) {
  auto ok = location_ok(body);
  if (body.find("<LocationConstraint>") == std::string::npos)
    FUZZ_CHECK(ok);
  auto region = text.substr(0, text.find('<'));
  auto doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
             "2006-03-01/\"><LocationConstraint>"
             + region + "</LocationConstraint></CreateBucketConfiguration>";
  FUZZ_CHECK(location_ok(doc) == (region.empty() || region == "us-east-1"));
}

void check_escape(const std::string& text) {
  auto esc = xml_escape(text);
  FUZZ_CHECK(esc.find_first_of("<>\"'") == std::string::npos);
  auto back = unescape(esc);
  FUZZ_CHECK(back && *back == text);

  auto r = s3_error(400, "InvalidArgument", text, "/" + text);
  FUZZ_CHECK(r.status == 400 && r.content_type == "application/xml");
  auto open = r.body.find("<Message>");
  auto close = r.body.find("</Message>");
  FUZZ_CHECK(open != std::string::npos && close != std::string::npos);
  FUZZ_CHECK(r.body.find("<Message>", open + 1) == std::string::npos);
  FUZZ_CHECK(r.body.find("</Message>", close + 1) == std::string::npos);
  open += 9;
  auto message = unescape(r.body.substr(open, close - open));
  FUZZ_CHECK(message && *message == text);
  FUZZ_CHECK(r.headers.size() == 1 && r.headers[0].first == "x-amz-request-id");
  FUZZ_CHECK(r.body.find("<RequestId>" + r.headers[0].second
                         + "</RequestId></Error>")
             != std::string::npos);
}

void check_grants(const std::string& text) {
  for (auto p : {acl_permission::read, acl_permission::write,
                 acl_permission::read_acp, acl_permission::write_acp,
                 acl_permission::full_control}) {
    std::vector<acl_grant> grants;
    if (parse_grantees(p, text, grants))
      continue;
    FUZZ_CHECK(!text.empty() || grants.empty());
    FUZZ_CHECK(grants.size() <= 100);
    std::string again;
    for (auto& g : grants) {
      FUZZ_CHECK(g.permission == p);
      FUZZ_CHECK(g.grantee.rfind("id=", 0) == 0
                 || g.grantee.rfind("emailAddress=", 0) == 0
                 || g.grantee.rfind("name=", 0) == 0);
      FUZZ_CHECK(g.grantee.find(',') == std::string::npos);
      again += (again.empty() ? "" : ", ")
               + (g.grantee.rfind("name=", 0) == 0 ? g.grantee.substr(5)
                                                   : g.grantee);
    }
    // A grantee whose value would be trimmed again (`" a"`, `id=""7""`)
    // is refused, so every list read reads back the same.
    std::vector<acl_grant> grants2;
    FUZZ_CHECK(!parse_grantees(p, again, grants2));
    FUZZ_CHECK(grants2.size() == grants.size());
    for (size_t i = 0; i < grants.size(); ++i)
      FUZZ_CHECK(grants2[i].grantee == grants[i].grantee);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [body, text] = fuzz::split2(fuzz::text(data, size));
  check_location(body, text);
  check_escape(text);
  check_grants(text);
  return 0;
}
