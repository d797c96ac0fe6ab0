#include "http/s3_api.hpp"

#include "http/bridge.hpp"
#include "protocol/object_key.hpp"
#include "http/s3_auth.hpp"
#include "http/s3_error.hpp"
#include "http/s3_face.hpp"
#include "http/validate.hpp"
#include "protocol/error.hpp"

#include <ctime>

namespace skyhaul::http {

namespace s3 {

reply error(const request& req, unsigned status, const char* code,
            const std::string& message) {
  return s3_error(status, code, message, req.path);
}

reply access_denied(const request& req) {
  return error(req, 403, "AccessDenied", "Access Denied");
}

reply no_such_bucket(const request& req) {
  return error(req, 404, "NoSuchBucket", "The specified bucket does not exist");
}

/// The S3 error for a failed store call on `resource`.
reply store_error(const std::string& resource, const caf::error& err) {
  auto c = code_of(err);
  auto msg = message_of(err);
  if (msg.empty())
    msg = default_message(c);
  switch (c) {
  case ec::not_found:
    return s3_error(404, "NoSuchBucket", msg, resource);
  case ec::invalid_state:
    return s3_error(409, "BucketNotEmpty", msg, resource);
  default:
    return s3_error(s3_status(c), s3_code(c), msg, resource);
  }
}

/// An empty success; no Content-Type, as S3 sends none.
reply empty_reply(unsigned status) {
  reply r;
  r.status = status;
  r.content_type.clear();
  return r;
}

reply xml_reply(std::string body) {
  reply r;
  r.content_type = "application/xml";
  r.body = std::move(body);
  return r;
}

} // namespace s3

namespace {

using namespace s3;

/// Sub-resources (query names) of S3 operations Skyhaul does not do: a
/// request naming one gets NotImplemented rather than a wrong answer
/// (e.g. `GET /b?acl` listing the bucket).
const char* const unsupported_subresources[] = {
    "accelerate",   "acl",
    "analytics",    "attributes",
    "cors",         "delete",
    "encryption",   "intelligent-tiering",
    "inventory",    "legal-hold",
    "lifecycle",    "logging",
    "metrics",      "notification",
    "object-lock",  "ownershipControls",
    "partNumber",   "policy",
    "policyStatus", "publicAccessBlock",
    "replication",  "requestPayment",
    "restore",      "retention",
    "select",       "tagging",
    "torrent",      "uploadId",
    "uploads",      "versionId",
    "versioning",   "versions",
    "website",
};

/// Every reply carries a request id, as S3's do; errors have theirs.
responder stamped(responder respond) {
  return [respond](reply r) {
    bool has = false;
    for (auto& h : r.headers)
      has = has || h.first == "x-amz-request-id";
    if (!has)
      r.headers.emplace_back("x-amz-request-id", s3_request_id());
    respond(std::move(r));
  };
}

/// The path's bucket name and key, checked before anything is read: a
/// bad key never reaches LMDB or the blob store.
std::optional<reply> check_names(const request& req) {
  auto b = req.params.find("bucket");
  if (b != req.params.end() && !valid_bucket_name(b->second))
    return error(req, 400, "InvalidBucketName",
                 "The specified bucket is not valid");
  auto k = req.params.find("key");
  if (k == req.params.end())
    return std::nullopt;
  if (k->second.size() > max_key_length)
    return error(req, 400, "KeyTooLongError", "Your key is too long");
  if (auto why = check_object_key(k->second))
    return error(req, 400, "InvalidArgument", "bad object key: " + *why);
  return std::nullopt;
}

/// What every routed S3 call passes before its signature is checked.
std::optional<reply> screen(const request& req) {
  for (auto* sub : unsupported_subresources)
    if (req.has_arg(sub))
      return error(req, 501, "NotImplemented",
                   "not implemented: " + req.method + " ?" + sub);
  return check_names(req);
}

/// S3's authentication: a signature when one is given; anonymous callers
/// go on where ACLs let them.
auth_outcome authenticate_caller(const services& svc, const request& req) {
  return signed_caller(svc, req, std::time(nullptr), access_denied);
}

/// The face's error shape for the router's and the transport's errors.
reply render_error(const request& req, unsigned status,
                   const std::string& msg) {
  switch (status) {
  case 400:
    return s3_error(400, "InvalidRequest", msg, req.path);
  case 404:
    return s3_error(404, "NoSuchBucket", msg, req.path);
  case 405:
  case 501:
    // Every other operation (PutObject, multipart, POST ?delete...).
    return s3_error(501, "NotImplemented",
                    "not implemented: " + req.method + " " + req.path,
                    req.path);
  case 413:
    return s3_error(413, "EntityTooLarge", msg, req.path);
  case 431:
    return s3_error(400, "RequestHeaderSectionTooLarge", msg, req.path);
  default:
    return s3_error(status, "InternalError", msg, req.path);
  }
}

handler route(svc_ptr svc, s3_handler fn) {
  return [svc, fn](const caller_ptr& caller, request& req, responder rsp) {
    fn(svc, caller, req, std::move(rsp));
  };
}

} // namespace

void mount_s3_api(router& r, std::shared_ptr<const services> svc) {
  face f;
  f.name = "s3";
  f.prefixes = {"/"};
  f.error = render_error;
  f.authenticate = [svc](const request& req) {
    return authenticate_caller(*svc, req);
  };
  f.auth_reads_body = true;
  f.screen = screen;
  f.stamp = stamped;
  auto m = r.mount(std::move(f));
  m.add("GET", "/", access::required, route(svc, list_buckets));
  // s3cmd and others name a bucket with a trailing slash.
  for (auto* pattern : {"/:bucket", "/:bucket/"}) {
    m.add("GET", pattern, access::optional, route(svc, bucket_get));
    m.add("PUT", pattern, access::required, route(svc, create_bucket));
    m.add("DELETE", pattern, access::required, route(svc, delete_bucket));
  }
  m.add("GET", "/:bucket/*key", access::optional, route(svc, get_object));
  m.add("DELETE", "/:bucket/*key", access::optional,
        route(svc, delete_object));
}

} // namespace skyhaul::http
