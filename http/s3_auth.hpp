#pragma once
// Authentication of the offline and s3 listeners: AWS Signature Version 2
// and Version 4, each as a header or in the query string (presigned URLs).

#include <cstdint>
#include <optional>
#include <string>

#include "http/message.hpp"
#include "http/router.hpp"
#include "protocol/user_record.hpp"

namespace skyhaul::http {

struct services;

/// The outcome of authenticating one request.
struct s3_auth_result {
  /// The signer, when the request carried a valid signature.
  std::optional<user_record> user;
  /// True when the request carried no credentials at all (no Authorization
  /// header, no signature in the query): the face decides whether an
  /// anonymous caller may go on (public-read objects).
  bool anonymous = false;
  /// When neither `user` nor `anonymous`: the S3 error to answer, e.g.
  /// 403 SignatureDoesNotMatch, 403 InvalidAccessKeyId, 403 AccessDenied,
  /// 403 RequestTimeTooSkewed, 400 InvalidArgument, 411
  /// MissingContentLength, 400 BadDigest, 400 XAmzContentSHA256Mismatch.
  unsigned status = 0;
  std::string code;
  std::string message;

  bool ok() const {
    return user.has_value();
  }
};

/// Authenticates `req` against the users in LMDB. `now_s` is the current
/// Unix time (seconds), passed in so that tests can pin the clock. Checks
/// the signature, the clock skew (15 minutes), presigned expiry, the
/// payload hash (`x-amz-content-sha256`) and `Content-MD5` against
/// `req.body`. Secrets are compared in constant time.
s3_auth_result authenticate_s3(const services& svc, const request& req,
                               int64_t now_s);

/// The S3 XML error reply for a failed result.
reply s3_auth_error(const s3_auth_result& r, const request& req);

/// A signed-request face's authentication (`face::authenticate`) as the
/// S3 and Offline faces share it: the signer, or the refusal of a bad
/// signature; a request without credentials is anonymous and, where its
/// route requires a caller, answered with `anonymous_refusal`.
auth_outcome signed_caller(const services& svc, const request& req,
                           int64_t now_s,
                           reply (*anonymous_refusal)(const request&));

} // namespace skyhaul::http
