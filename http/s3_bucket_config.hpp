#pragma once

// The one XML body the S3 face reads: CreateBucketConfiguration of
// `PUT /<bucket>`. Pure parsing, apart from the bucket handlers
// (http/s3_buckets.cpp), so it can be tested and fuzzed alone. The other
// XML bodies of S3 (CompleteMultipartUpload, Delete, AccessControlPolicy)
// belong to operations the face answers 501 NotImplemented.

#include <string>

namespace skyhaul::http {

/// True unless a CreateBucketConfiguration asks for a region other than
/// the one Skyhaul has: no `<LocationConstraint>`, an empty one, or
/// `us-east-1`.
bool location_ok(const std::string& body);

} // namespace skyhaul::http
