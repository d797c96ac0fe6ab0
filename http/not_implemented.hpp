#pragma once

// The face of the offline and s3 listeners until their issues land: every
// request is answered with S3's NotImplemented error.

#include "http/router.hpp"

namespace skyhaul::http {

/// Makes `r` answer every request with a 501 in S3's XML error shape (and
/// transport errors, e.g. 413, in the same shape).
void add_not_implemented(router& r);

} // namespace skyhaul::http
