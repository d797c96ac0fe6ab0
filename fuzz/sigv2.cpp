// Signature Version 2 (base/sigv2.hpp): the canonical amz headers and
// resource of a target and header lines (`target NUL headers`). The amz
// headers come out sorted, one line each; presigning adds nothing to the
// canonical resource, and the query it returns keeps the target's own.
#include "base/sigv2.hpp"
#include "base/sigv4.hpp"
#include "fuzz/check.hpp"
#include "fuzz/headers.hpp"

using namespace skyhaul;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [target, header_text] = fuzz::split2(fuzz::text(data, size));
  auto headers = fuzz::header_lines(header_text);
  auto amz = sigv2_canonical_amz_headers(headers);
  size_t amz_names = 0;
  for (auto& [name, value] : lower_header_names(headers))
    amz_names += name.compare(0, 6, "x-amz-") == 0;
  std::string last;
  size_t lines = 0;
  for (size_t pos = 0; pos < amz.size(); ++lines) {
    auto eol = amz.find('\n', pos);
    FUZZ_CHECK(eol != std::string::npos);
    auto line = amz.substr(pos, eol - pos);
    FUZZ_CHECK(line.compare(0, 6, "x-amz-") == 0);
    auto name = line.substr(0, line.find(':'));
    FUZZ_CHECK(lines == 0 || last < name);
    last = name;
    pos = eol + 1;
  }
  FUZZ_CHECK(lines == amz_names);

  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto query = q == std::string::npos ? std::string{} : target.substr(q + 1);
  auto resource = sigv2_canonical_resource(path, query);
  FUZZ_CHECK(resource.compare(0, path.size(), path) == 0);
  FUZZ_CHECK(sigv2_canonical_resource(path, query) == resource);
  (void) sigv2_bucket_path(path);

  auto signed_headers = sigv2_sign("GET", target, headers, "AKID", "secret",
                                   1700000000);
  bool has_auth = false;
  for (auto& [name, value] : signed_headers)
    if (name == "authorization") {
      has_auth = true;
      FUZZ_CHECK(value.compare(0, 9, "AWS AKID:") == 0);
      FUZZ_CHECK(value.size() == 9 + 28); // base64 of 20 bytes
    }
  FUZZ_CHECK(has_auth);

  auto presigned = sigv2_presign("GET", target, "AKID", "secret", 1700000000);
  FUZZ_CHECK(presigned.find("Signature=") != std::string::npos);
  FUZZ_CHECK(sigv2_canonical_resource(path, presigned) == resource);
  return 0;
}
