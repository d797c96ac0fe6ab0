#pragma once

// How large a request body may be. Every route declares a rule, and one
// function decides: the listener before it reads a body, and a face that
// learns from the parsed body that it carried no upload after all.

#include <cstdint>
#include <string>

namespace skyhaul::http {

/// What a route takes as a body.
struct body_rule {
  /// A larger limit for an upload (a body of an upload type, see
  /// `upload_type`) from an authenticated caller; 0 for none. An anonymous
  /// caller never gets it: authentication must not come after megabytes
  /// were buffered for someone unknown.
  uint64_t upload_limit = 0;
};

/// True for the media types an upload comes in: multipart/form-data, or
/// JSON (`application/json`, any `+json` type, or no type at all, which
/// the JSON faces read as JSON).
bool upload_type(const std::string& content_type);

/// The one rule: the body limit of a request to a route with `rule` on a
/// listener whose limit is `listener_limit`. `upload` is whether the body
/// is (or, before it is read, may be) an upload.
uint64_t body_limit(const body_rule& rule, uint64_t listener_limit,
                    bool authenticated, bool upload);

} // namespace skyhaul::http
