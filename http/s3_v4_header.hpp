#pragma once

// The parts of an S3 request's Signature Version 4 claim, from the
// `Authorization` header or the presigned query: pure parsing, apart from
// the verifier (http/s3_auth.cpp) so it can be tested and fuzzed alone.

#include "base/sigv4.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace skyhaul::http {

/// What a V4 signature claims, from the header or the query.
struct v4_claim {
  std::string access_key;
  sigv4_scope scope;
  std::vector<std::string> signed_headers;
  std::string signature;
  std::string timestamp;
};

/// `s` without leading and trailing blanks (spaces and tabs only).
std::string trim_blanks(std::string_view s);

/// Parses `<key>/<yyyymmdd>/<region>/<service>/aws4_request`; the key is
/// everything before the last four parts. Returns what is wrong, or "".
std::string parse_credential(std::string_view cred, v4_claim& out);

/// Parses `SignedHeaders`' `a;b;c` into lower-case names. Returns what is
/// wrong, or "".
std::string parse_signed_headers(std::string_view list, v4_claim& out);

/// Parses `Credential=..., SignedHeaders=..., Signature=...` (what follows
/// the algorithm in the header). Returns what is wrong, or "".
std::string parse_v4_header(std::string_view rest, v4_claim& out);

} // namespace skyhaul::http
