#pragma once

// multipart/form-data (RFC 7578) bodies, for uploads.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace skyhaul::http {

/// Longest header block of one part.
constexpr size_t max_form_part_headers = 8 * 1024;

/// One part of a multipart/form-data body.
struct form_part {
  /// The `name` and `filename` of its Content-Disposition.
  std::string name;
  std::string filename;
  std::string content_type;
  std::string body;
};

/// True when the media type of `content_type` is `multipart/form-data`,
/// whatever its parameters.
bool is_form_data(const std::string& content_type);

/// The boundary named by a `multipart/form-data` Content-Type (quoted or
/// not), or nullopt when the type is another one or names no usable
/// boundary (missing, empty, over 70 characters, control characters, or a
/// trailing space: RFC 2046).
std::optional<std::string> form_boundary(const std::string& content_type);

/// Splits `body` on `boundary`. Lines end in CRLF; a preamble before the
/// first delimiter and an epilogue after the closing one are ignored, and
/// so is a line that merely starts like a delimiter inside a part. Each
/// part needs `Content-Disposition: form-data; name=...`. Returns the
/// parts in order, or sets `error` and returns nullopt for a malformed
/// body: no delimiter line, no closing delimiter, a part without
/// Content-Disposition or name, a header line without ':' or folded,
/// part headers over `max_form_part_headers`, more than `max_parts` parts.
std::optional<std::vector<form_part>> parse_form(const std::string& body,
                                                 const std::string& boundary,
                                                 std::string& error,
                                                 size_t max_parts = 16);

} // namespace skyhaul::http
