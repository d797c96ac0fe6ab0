#pragma once
// AWS Signature Version 4 as S3 uses it: the canonical request, the
// signing key chain, and client-side signing (header and presigned URL).
// Pure functions: no services, no LMDB, so the uploader and the tests can
// sign with them and the verifier (http/s3_auth.cpp) shares every step.

#include "base/http_date.hpp"
#include "base/percent.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skyhaul {

/// The only algorithm of Signature Version 4 that S3 speaks.
inline constexpr std::string_view sigv4_algorithm = "AWS4-HMAC-SHA256";

/// The payload hash of requests whose body is not signed.
inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";

/// The longest lifetime of a presigned URL: one week.
inline constexpr int64_t sigv4_max_expires_s = 604800;

/// The credential scope: `<date>/<region>/<service>/aws4_request`.
struct sigv4_scope {
  /// `yyyymmdd`.
  std::string date;
  std::string region;
  std::string service = "s3";

  std::string str() const;
};

/// `headers` with lower-case names (a later duplicate in another case
/// wins), as both signature versions canonicalise them.
std::map<std::string, std::string>
lower_header_names(const std::map<std::string, std::string>& headers);

/// The canonical URI of S3: the raw path of a target decoded and encoded
/// once again, with no normalisation of `.`, `..` or `//`.
std::string sigv4_canonical_uri(std::string_view raw_path);

/// The canonical query string of a raw query (without '?'): each name and
/// value decoded and encoded again, sorted by encoded name then value. The
/// parameter named `exclude` (decoded), if any, is left out.
std::string sigv4_canonical_query(std::string_view raw_query,
                                  std::string_view exclude = {});

/// The canonical query string of a client that signs the query as sent:
/// the raw pairs, sorted, each as `name=value`. `exclude` as above.
std::string sigv4_literal_query(std::string_view raw_query,
                                std::string_view exclude = {});

/// The canonical request. `headers` has lower-case names; the values of
/// `signed_headers` (lower-case, in the order given) are taken from it,
/// trimmed and with inner runs of spaces folded to one.
std::string
sigv4_canonical_request(std::string_view method, std::string_view canonical_uri,
                        std::string_view canonical_query,
                        const std::map<std::string, std::string>& headers,
                        const std::vector<std::string>& signed_headers,
                        std::string_view payload_hash);

/// The lower-case hex signature of `canonical_request` made at
/// `timestamp` (`yyyymmddThhmmssZ`) within `scope`.
std::string sigv4_signature(std::string_view secret_key,
                            std::string_view timestamp,
                            const sigv4_scope& scope,
                            std::string_view canonical_request);

/// Lower-case hex SHA-256 of `data`, as in `x-amz-content-sha256`.
std::string payload_sha256(std::string_view data);

/// Signs a request for the `Authorization` header. `target` is the raw
/// path and query as sent; `headers` (lower-case names, must include
/// `host`) are all signed. Returns the headers to add: `authorization`,
/// `x-amz-date` and `x-amz-content-sha256` (set to `payload_hash`, a hex
/// SHA-256 or `UNSIGNED-PAYLOAD`). Throws `std::invalid_argument` without
/// a `host` header.
std::vector<std::pair<std::string, std::string>>
sigv4_sign(const std::string& method, const std::string& target,
           const std::map<std::string, std::string>& headers,
           const std::string& payload_hash, const std::string& access_key,
           const std::string& secret_key, const std::string& region,
           int64_t now_s);

/// Presigns a request: returns the whole query string to send (the
/// target's own parameters plus `X-Amz-Algorithm`, `X-Amz-Credential`,
/// `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders` and, last,
/// `X-Amz-Signature`). `headers` as in `sigv4_sign`; the payload is
/// `UNSIGNED-PAYLOAD`. Throws `std::invalid_argument` without `host` or
/// when `expires_s` is not in 1..604800.
std::string sigv4_presign(const std::string& method, const std::string& target,
                          const std::map<std::string, std::string>& headers,
                          const std::string& access_key,
                          const std::string& secret_key,
                          const std::string& region, int64_t now_s,
                          int64_t expires_s);

} // namespace skyhaul
