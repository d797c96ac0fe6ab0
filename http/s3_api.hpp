#pragma once
// The S3 object API on the s3 listener, over the same buckets: ListBuckets,
// CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation, ListObjects
// (V1 and V2), GET, HEAD and DELETE of objects, with ACLs. Every other
// operation answers NotImplemented.

#include "http/router.hpp"
#include "http/services.hpp"

#include <memory>

namespace skyhaul::http {

/// Mounts the S3 face on `r`: its routes, its S3 XML error shape and its
/// S3-signature authentication (anonymous callers allowed where ACLs say).
/// Handlers keep `svc` alive: an actor may answer after the server is gone.
void mount_s3_api(router& r, std::shared_ptr<const services> svc);

} // namespace skyhaul::http
