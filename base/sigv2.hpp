#pragma once
// AWS Signature Version 2 as in S3's "Signing and Authenticating REST
// Requests": the string to sign, its canonical amz headers and resource,
// and client-side signing (header and query string). Pure functions, so
// the tests and other components can sign with them and the verifier
// (http/s3_auth.cpp) shares every step.

#include "base/base64.hpp"
#include "base/http_date.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skyhaul {

/// True for the query parameters that belong to the canonical resource:
/// S3's sub-resources (`acl`, `uploads`, `partNumber`, ...) and the
/// `response-*` overrides.
bool sigv2_subresource(std::string_view name);

/// The `CanonicalizedAmzHeaders`: every `x-amz-*` header of `headers`
/// (names lower-case), sorted, as `name:value\n` with the value trimmed
/// and folded lines unfolded. The header named `skip` is left out.
std::string
sigv2_canonical_amz_headers(const std::map<std::string, std::string>& headers,
                            std::string_view skip = {});

/// A bare bucket's path `/bucket` as `/bucket/`, the form AWS and
/// botocore's clients sign; any other path unchanged.
std::string sigv2_bucket_path(std::string_view raw_path);

/// The `CanonicalizedResource` of a path-style request: `raw_path` as
/// given, then the sub-resources of the raw query, sorted by name, with
/// their values decoded.
std::string sigv2_canonical_resource(std::string_view raw_path,
                                     std::string_view raw_query);

/// The string to sign. `date` is the `Date` header, empty when `x-amz-date`
/// is among the amz headers, or the `Expires` value for query-string auth.
std::string sigv2_string_to_sign(std::string_view method,
                                 std::string_view content_md5,
                                 std::string_view content_type,
                                 std::string_view date,
                                 std::string_view canonical_amz_headers,
                                 std::string_view canonical_resource);

/// Base64 of HMAC-SHA1(secret_key, string_to_sign).
std::string sigv2_signature(std::string_view secret_key,
                            std::string_view string_to_sign);

/// Signs a request for the `Authorization: AWS <key>:<signature>` header.
/// `target` is the raw path and query as sent; `headers` (any case) give
/// `content-md5`, `content-type` and the `x-amz-*` headers. Returns the
/// headers to add: `date` (unless `headers` has `x-amz-date`) and
/// `authorization`.
std::vector<std::pair<std::string, std::string>>
sigv2_sign(const std::string& method, const std::string& target,
           const std::map<std::string, std::string>& headers,
           const std::string& access_key, const std::string& secret_key,
           int64_t now_s);

/// Presigns a request for query-string auth: returns the whole query
/// string to send, the target's own parameters followed by
/// `AWSAccessKeyId`, `Expires` (`expires_at`, Unix seconds) and `Signature`.
std::string sigv2_presign(const std::string& method, const std::string& target,
                          const std::string& access_key,
                          const std::string& secret_key, int64_t expires_at);

} // namespace skyhaul
