#pragma once

// What the files of the S3 face share: its handlers (buckets in
// s3_buckets.cpp, objects in s3_objects.cpp) and the small replies they
// have in common. Wired in s3_api.cpp; not used outside the face.

#include "http/router.hpp"
#include "http/services.hpp"
#include "protocol/acl.hpp"

#include <memory>
#include <string>

namespace skyhaul::http::s3 {

using svc_ptr = std::shared_ptr<const services>;

/// A handler of the face; `caller` is null for an anonymous request.
using s3_handler = void (*)(const svc_ptr& svc, const caller_ptr& caller,
                            request& req, responder respond);

/// S3's XML error for `req`'s path.
reply error(const request& req, unsigned status, const char* code,
            const std::string& message);

reply access_denied(const request& req);

reply no_such_bucket(const request& req);

/// The S3 error for a failed store call on `resource`.
reply store_error(const std::string& resource, const caf::error& err);

/// An empty success; no Content-Type, as S3 sends none.
reply empty_reply(unsigned status);

reply xml_reply(std::string body);

inline bool allows(const acl_spec& acl, user_id owner, const caller_ptr& caller,
                   acl_permission p) {
  return acl_allows(acl, owner, caller.get(), p);
}

// Buckets (s3_buckets.cpp).

/// `GET /`: ListBuckets.
void list_buckets(const svc_ptr& svc, const caller_ptr& caller, request& req,
                  responder respond);

/// `GET` and `HEAD /<bucket>`: ListObjects (V1 or V2), HeadBucket or
/// GetBucketLocation.
void bucket_get(const svc_ptr& svc, const caller_ptr& caller, request& req,
                responder respond);

/// `PUT /<bucket>`: CreateBucket.
void create_bucket(const svc_ptr& svc, const caller_ptr& caller, request& req,
                   responder respond);

/// `DELETE /<bucket>`: DeleteBucket, for its owner.
void delete_bucket(const svc_ptr& svc, const caller_ptr& caller, request& req,
                   responder respond);

// Objects (s3_objects.cpp).

/// `GET` and `HEAD /<bucket>/<key>`: the blob file is streamed, never
/// loaded.
void get_object(const svc_ptr& svc, const caller_ptr& caller, request& req,
                responder respond);

/// `DELETE /<bucket>/<key>`: for the owners, admins and write grants of the
/// bucket or the object. Deleting a missing key succeeds, as in S3.
void delete_object(const svc_ptr& svc, const caller_ptr& caller, request& req,
                   responder respond);

} // namespace skyhaul::http::s3
