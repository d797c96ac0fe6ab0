#pragma once

#include <string>

#include "http/message.hpp"

namespace caf {
class error;
} // namespace caf

namespace skyhaul::http {

/// S3's XML error shape:
/// `<Error><Code/><Message/><Resource/><RequestId/></Error>`.
reply s3_error(unsigned status, const std::string& code,
               const std::string& message, const std::string& resource);

/// The S3 error of a failed actor call on `resource`: the status and code
/// its `ec` maps to (protocol/error.hpp), with its message.
reply s3_error_of(const caf::error& err, const std::string& resource);

/// A new request id: 16 upper-case hex digits, as S3's look.
std::string s3_request_id();

/// Escapes text for XML element content.
std::string xml_escape(const std::string& s);

} // namespace skyhaul::http
