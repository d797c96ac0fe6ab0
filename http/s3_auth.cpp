#include "http/s3_auth.hpp"

#include "base/crypto.hpp"

#include "protocol/text.hpp"
#include "http/s3_error.hpp"
#include "http/s3_v4_header.hpp"
#include "http/services.hpp"
#include "base/sigv2.hpp"
#include "base/sigv4.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <openssl/evp.h>
#include <set>
#include <variant>
#include <vector>

namespace skyhaul::http {

namespace {

/// The clock skew S3 tolerates on header-signed requests.
constexpr int64_t max_skew_s = 15 * 60;

s3_auth_result fail(unsigned status, std::string code, std::string message) {
  s3_auth_result r;
  r.status = status;
  r.code = std::move(code);
  r.message = std::move(message);
  return r;
}

s3_auth_result malformed_header(std::string message) {
  return fail(400, "AuthorizationHeaderMalformed",
              "The authorization header is malformed; " + std::move(message));
}

s3_auth_result malformed_query(std::string message) {
  return fail(400, "AuthorizationQueryParametersError", std::move(message));
}

s3_auth_result missing_date() {
  return fail(403, "AccessDenied",
              "AWS authentication requires a valid Date or x-amz-date header");
}

s3_auth_result skewed() {
  return fail(403, "RequestTimeTooSkewed",
              "The difference between the request time and the current "
              "time is too large.");
}

s3_auth_result expired() {
  return fail(403, "AccessDenied", "Request has expired");
}

s3_auth_result mismatch() {
  return fail(403, "SignatureDoesNotMatch",
              "The request signature we calculated does not match the "
              "signature you provided. Check your key and signing method.");
}

std::string_view raw_path(const request& req) {
  return std::string_view{req.target}.substr(0, req.target.find('?'));
}

std::string_view raw_query(const request& req) {
  auto q = req.target.find('?');
  return q == std::string::npos ? std::string_view{}
                                : std::string_view{req.target}.substr(q + 1);
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64)
    return false;
  for (unsigned char c : s)
    if (!std::isxdigit(c))
      return false;
  return true;
}

std::optional<int64_t> parse_seconds(std::string_view s) {
  if (s.empty() || s.size() > 18)
    return std::nullopt;
  int64_t v = 0;
  for (unsigned char c : s) {
    if (!std::isdigit(c))
      return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

/// The owner of `access_key`, or 403 InvalidAccessKeyId.
s3_auth_result find_signer(const services& svc, std::string_view access_key) {
  std::optional<user_record> user;
  if (!access_key.empty()) {
    auto t = svc.db->read();
    user = storage::find_user_by_access_key(t, access_key);
  }
  if (!user)
    return fail(403, "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our "
                "records.");
  s3_auth_result r;
  r.user = std::move(user);
  return r;
}

/// A PUT or POST whose body length is not announced: S3 refuses chunked
/// transfer encoding.
bool lacks_content_length(const request& req) {
  if (req.method != "PUT" && req.method != "POST")
    return false;
  if (req.headers.count("content-length") > 0)
    return false;
  return req.headers.count("transfer-encoding") > 0 || !req.body.empty();
}

/// Checks `Content-MD5` against the body, when the header is present.
std::optional<s3_auth_result> check_content_md5(const request& req) {
  auto i = req.headers.find("content-md5");
  if (i == req.headers.end())
    return std::nullopt;
  auto digest = base64_decode(i->second);
  if (!digest || digest->size() != 16)
    return fail(400, "InvalidDigest",
                "The Content-MD5 you specified was invalid.");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(req.body.data(), req.body.size(), md, &len, EVP_md5(), nullptr);
  if (!constant_time_equal(
          *digest, std::string_view{reinterpret_cast<char*>(md), len}))
    return fail(400, "BadDigest",
                "The Content-MD5 you specified did not match what we "
                "received.");
  return std::nullopt;
}

// -- Signature Version 2 ----------------------------------------------------

/// True when `signature` signs `req` with `secret` in any form a V2 client
/// may have used, as clients differ: the path as sent or encoded once
/// more, a bare bucket with or without its trailing '/', and with
/// `x-amz-date` either the documented empty Date line or, as in AWS's own
/// DELETE example, its value as the Date line.
bool v2_matches(const request& req, const std::string& secret,
                const std::string& signature,
                const std::map<std::string, std::string>& amz,
                const std::string& md5, const std::string& type,
                const std::optional<std::string>& expires) {
  std::set<std::string> paths;
  for (auto path :
       {std::string{raw_path(req)}, aws_uri_encode(req.path, true)}) {
    paths.insert(sigv2_bucket_path(path));
    paths.insert(std::move(path));
  }
  std::vector<std::pair<std::string, std::string>> dates; // date, amz block
  if (expires) {
    dates.emplace_back(*expires, sigv2_canonical_amz_headers(amz));
  } else if (auto i = amz.find("x-amz-date"); i != amz.end()) {
    dates.emplace_back("", sigv2_canonical_amz_headers(amz));
    dates.emplace_back(i->second,
                       sigv2_canonical_amz_headers(amz, "x-amz-date"));
  } else {
    dates.emplace_back(req.header("date"), sigv2_canonical_amz_headers(amz));
  }
  bool ok = false;
  for (auto& path : paths)
    for (auto& [date, amz_block] : dates) {
      auto to_sign = sigv2_string_to_sign(
          req.method, md5, type, date, amz_block,
          sigv2_canonical_resource(path, raw_query(req)));
      ok |= constant_time_equal(sigv2_signature(secret, to_sign),
                                         signature);
    }
  return ok;
}

s3_auth_result verify_v2_header(const services& svc, const request& req,
                                std::string_view credentials, int64_t now_s) {
  auto colon = credentials.rfind(':');
  if (colon == std::string_view::npos || colon == 0
      || colon + 1 == credentials.size())
    return fail(400, "InvalidArgument",
                "AWS authorization header is invalid.  Expected "
                "AwsAccessKeyId:signature");
  auto access_key = credentials.substr(0, colon);
  std::string signature{credentials.substr(colon + 1)};
  auto& date = req.headers.count("x-amz-date") ? req.header("x-amz-date")
                                               : req.header("date");
  auto t = parse_http_date(date);
  if (!t)
    return missing_date();
  if (std::llabs(*t - now_s) > max_skew_s)
    return skewed();
  auto r = find_signer(svc, access_key);
  if (!r.ok())
    return r;
  if (!v2_matches(req, r.user->secret_key, signature, req.headers,
                  trim_blanks(req.header("content-md5")),
                  trim_blanks(req.header("content-type")), std::nullopt))
    return mismatch();
  return r;
}

s3_auth_result verify_v2_query(const services& svc, const request& req,
                               int64_t now_s) {
  if (!req.has_arg("AWSAccessKeyId") || !req.has_arg("Signature")
      || !req.has_arg("Expires"))
    return fail(403, "AccessDenied",
                "Query-string authentication requires the Signature, "
                "Expires and AWSAccessKeyId parameters");
  auto expires = parse_seconds(req.arg("Expires"));
  if (!expires)
    return fail(403, "AccessDenied",
                "Invalid date (should be seconds since epoch): "
                    + req.arg("Expires"));
  if (*expires < now_s)
    return expired();
  auto r = find_signer(svc, req.arg("AWSAccessKeyId"));
  if (!r.ok())
    return r;
  // A '+' the client left unencoded arrives as a space.
  auto signature = req.arg("Signature");
  for (auto& c : signature)
    if (c == ' ')
      c = '+';
  // Signers (botocore among them) may carry the amz headers, Content-MD5
  // and Content-Type as query parameters instead of headers.
  auto amz = req.headers;
  for (auto& [name, value] : req.query) {
    auto lname = ascii_lower(name);
    if (starts_with(lname, "x-amz-") || lname == "content-md5"
        || lname == "content-type")
      amz.emplace(std::move(lname), value);
  }
  if (!v2_matches(req, r.user->secret_key, signature, amz,
                  trim_blanks(amz["content-md5"]), trim_blanks(amz["content-type"]),
                  req.arg("Expires")))
    return mismatch();
  return r;
}

// -- Signature Version 4 ----------------------------------------------------

/// The payload hash a V4 request claims, or the error to answer.
/// `presigned` requests default to UNSIGNED-PAYLOAD; header-signed ones
/// without the header are taken to have hashed their body.
std::variant<std::string, s3_auth_result>
claimed_payload(const request& req, const v4_claim& claim, bool presigned) {
  auto i = req.headers.find("x-amz-content-sha256");
  if ((i != req.headers.end() && starts_with(i->second, "STREAMING-"))
      || req.header("content-encoding").find("aws-chunked")
             != std::string::npos)
    return fail(501, "NotImplemented",
                "aws-chunked streaming uploads are not implemented; send "
                "the body in one piece");
  bool signed_hash
      = std::find(claim.signed_headers.begin(), claim.signed_headers.end(),
                  "x-amz-content-sha256")
        != claim.signed_headers.end();
  if (i == req.headers.end() || (presigned && !signed_hash))
    return presigned ? std::string{unsigned_payload} : payload_sha256(req.body);
  auto& v = i->second;
  if (v == unsigned_payload || is_sha256_hex(v))
    return v;
  return fail(400, "InvalidArgument",
              "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, or a valid "
              "sha256 value.");
}

s3_auth_result verify_v4(const services& svc, const request& req,
                         const v4_claim& claim, bool presigned) {
  auto claimed = claimed_payload(req, claim, presigned);
  if (auto* err = std::get_if<s3_auth_result>(&claimed))
    return std::move(*err);
  auto& payload = std::get<std::string>(claimed);
  if (!presigned)
    for (auto& h : req.headers)
      if (starts_with(h.first, "x-amz-")
          && std::find(claim.signed_headers.begin(), claim.signed_headers.end(),
                       h.first)
                 == claim.signed_headers.end())
        return fail(403, "AccessDenied",
                    "There were headers present in the request which were "
                    "not signed: "
                        + h.first);
  auto r = find_signer(svc, claim.access_key);
  if (!r.ok())
    return r;
  auto exclude = presigned ? "X-Amz-Signature" : "";
  // The canonical form first; then the path and query as sent, for
  // clients that sign what they send without re-encoding it.
  std::pair<std::string, std::string> forms[] = {
      {sigv4_canonical_uri(raw_path(req)),
       sigv4_canonical_query(raw_query(req), exclude)},
      {std::string{raw_path(req)},
       sigv4_literal_query(raw_query(req), exclude)},
  };
  bool ok = false;
  for (auto& [uri, query] : forms) {
    auto cr = sigv4_canonical_request(req.method, uri, query, req.headers,
                                      claim.signed_headers, payload);
    ok |= constant_time_equal(
        sigv4_signature(r.user->secret_key, claim.timestamp, claim.scope, cr),
        ascii_lower(claim.signature));
  }
  if (!ok)
    return mismatch();
  if (is_sha256_hex(payload) && ascii_lower(payload) != payload_sha256(req.body))
    return fail(400, "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match "
                "what was computed.");
  return r;
}

s3_auth_result verify_v4_header(const services& svc, const request& req,
                                std::string_view rest, int64_t now_s) {
  v4_claim claim;
  if (auto err = parse_v4_header(rest, claim); !err.empty())
    return malformed_header(err);
  auto& raw = req.headers.count("x-amz-date") ? req.header("x-amz-date")
                                              : req.header("date");
  auto t = parse_amz_date(raw);
  if (!t && req.headers.count("x-amz-date") == 0)
    t = parse_http_date(raw);
  if (!t)
    return missing_date();
  claim.timestamp = format_amz_date(*t);
  if (claim.scope.date != claim.timestamp.substr(0, 8))
    return malformed_header("Invalid credential date. Date is not the same "
                            "as X-Amz-Date.");
  if (std::llabs(*t - now_s) > max_skew_s)
    return skewed();
  return verify_v4(svc, req, claim, false);
}

s3_auth_result verify_v4_query(const services& svc, const request& req,
                               int64_t now_s) {
  for (auto name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                    "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"})
    if (!req.has_arg(name))
      return malformed_query(
          "Query-string authentication version 4 requires the "
          "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, "
          "X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  if (req.arg("X-Amz-Algorithm") != sigv4_algorithm)
    return malformed_query(
        "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  v4_claim claim;
  if (auto err = parse_credential(req.arg("X-Amz-Credential"), claim);
      !err.empty())
    return malformed_query("Error parsing the X-Amz-Credential parameter; "
                           + err);
  if (auto err = parse_signed_headers(req.arg("X-Amz-SignedHeaders"), claim);
      !err.empty())
    return malformed_query(err);
  claim.signature = req.arg("X-Amz-Signature");
  claim.timestamp = req.arg("X-Amz-Date");
  auto t = parse_amz_date(claim.timestamp);
  if (!t)
    return malformed_query("X-Amz-Date must be in the ISO8601 Long Format "
                           "\"yyyyMMdd'T'HHmmss'Z'\"");
  if (claim.scope.date != claim.timestamp.substr(0, 8))
    return malformed_query("Error parsing the X-Amz-Credential parameter; "
                           "the date is not the same as X-Amz-Date.");
  auto expires = parse_seconds(req.arg("X-Amz-Expires"));
  if (!expires)
    return malformed_query("X-Amz-Expires should be a number");
  if (*expires > sigv4_max_expires_s)
    return malformed_query("X-Amz-Expires must be less than a week (in "
                           "seconds) that is; 604800 seconds");
  if (now_s > *t + *expires)
    return expired();
  if (*t > now_s + max_skew_s)
    return fail(403, "AccessDenied", "Request is not valid yet");
  return verify_v4(svc, req, claim, true);
}

} // namespace

s3_auth_result authenticate_s3(const services& svc, const request& req,
                               int64_t now_s) {
  if (lacks_content_length(req))
    return fail(411, "MissingContentLength",
                "You must provide the Content-Length HTTP header.");
  auto& auth = req.header("authorization");
  bool v4_query = req.has_arg("X-Amz-Algorithm")
                  || req.has_arg("X-Amz-Credential")
                  || req.has_arg("X-Amz-Signature");
  bool v2_query = req.has_arg("AWSAccessKeyId") || req.has_arg("Signature");
  int mechanisms = !auth.empty() + v4_query + v2_query;
  s3_auth_result r;
  if (mechanisms > 1) {
    return fail(400, "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm "
                "query parameter, Signature query string parameter or the "
                "Authorization header should be specified");
  } else if (mechanisms == 0) {
    r.anonymous = true;
  } else if (v4_query) {
    r = verify_v4_query(svc, req, now_s);
  } else if (v2_query) {
    r = verify_v2_query(svc, req, now_s);
  } else if (starts_with(auth, std::string{sigv4_algorithm} + ' ')) {
    r = verify_v4_header(
        svc, req, std::string_view{auth}.substr(sigv4_algorithm.size() + 1),
        now_s);
  } else if (starts_with(auth, "AWS ")) {
    r = verify_v2_header(svc, req, std::string_view{auth}.substr(4), now_s);
  } else {
    return fail(400, "InvalidArgument", "Unsupported Authorization Type");
  }
  if (!r.ok() && !r.anonymous)
    return r;
  if (auto bad = check_content_md5(req))
    return std::move(*bad);
  return r;
}

reply s3_auth_error(const s3_auth_result& r, const request& req) {
  return s3_error(r.status, r.code, r.message, req.path);
}

auth_outcome signed_caller(const services& svc, const request& req,
                           int64_t now_s,
                           reply (*anonymous_refusal)(const request&)) {
  auto res = authenticate_s3(svc, req, now_s);
  auth_outcome out;
  if (res.ok()) {
    out.user = std::make_shared<const user_record>(std::move(*res.user));
    return out;
  }
  out.anonymous = res.anonymous;
  out.refusal = res.anonymous ? anonymous_refusal(req)
                              : s3_auth_error(res, req);
  return out;
}

} // namespace skyhaul::http
