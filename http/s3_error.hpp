#pragma once

#include <string>

#include "http/message.hpp"

namespace skyhaul::http {

/// S3's XML error shape:
/// `<Error><Code/><Message/><Resource/><RequestId/></Error>`.
reply s3_error(unsigned status, const std::string& code,
               const std::string& message, const std::string& resource);

/// A new request id: 16 upper-case hex digits, as S3's look.
std::string s3_request_id();

/// Escapes text for XML element content.
std::string xml_escape(const std::string& s);

} // namespace skyhaul::http
