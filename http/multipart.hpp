#pragma once

// multipart/form-data (RFC 7578) bodies, for uploads.

#include <optional>
#include <string>
#include <vector>

namespace skyhaul::http {

/// One part of a multipart/form-data body.
struct form_part {
  /// The `name` and `filename` of its Content-Disposition.
  std::string name;
  std::string filename;
  std::string content_type;
  std::string body;
};

/// The boundary named by a `multipart/form-data` Content-Type, or nullopt
/// when the type is another one or names no usable boundary.
std::optional<std::string> form_boundary(const std::string& content_type);

/// Splits `body` on `boundary`. Returns the parts, or sets `error` and
/// returns nullopt for a malformed body (no closing delimiter, a part
/// without Content-Disposition or name, more than `max_parts` parts, part
/// headers over 8 KiB).
std::optional<std::vector<form_part>> parse_form(const std::string& body,
                                                 const std::string& boundary,
                                                 std::string& error,
                                                 size_t max_parts = 16);

} // namespace skyhaul::http
