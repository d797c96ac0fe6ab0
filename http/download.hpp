#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "http/message.hpp"
#include "http/services.hpp"
#include "protocol/file_record.hpp"

namespace skyhaul::http {

/// A parsed single `Range` header: [first, last] inclusive. nullopt for no
/// or an ignorable header (several ranges, other units); `unsatisfiable`
/// set when it asks for bytes past the end.
std::optional<std::pair<uint64_t, uint64_t>>
parse_range(const std::string& header, uint64_t size, bool& unsatisfiable);

/// Narrows the file reply `r` of a `size`-byte file to the `Range` header
/// `range` (206 with Content-Range; unchanged for no or an ignorable
/// header). False when the range is unsatisfiable: the caller answers 416
/// in its face's shape, with `unsatisfiable_range` on that reply.
bool apply_range(reply& r, const std::string& range, uint64_t size);

/// Adds the `Content-Range: bytes */size` a 416 reply carries.
void unsatisfiable_range(reply& bad, uint64_t size);


/// True when an `If-None-Match` header value names `etag` (a list, weak
/// tags and `*` included).
bool etag_matches(const std::string& if_none_match, const std::string& etag);

/// Renders an error in a face's shape.
using error_fn = std::function<reply(unsigned status, const std::string& msg)>;

/// The reply that streams the stored file `f` from its blob, with ETag,
/// Last-Modified, `If-None-Match` (304) and a single `Range` (206) as
/// `range` and `if_none_match` ask; a gone blob answers 404 and an
/// unsatisfiable range 416 through `error`. Every face's file downloads
/// go through it.
reply file_reply(const services& svc, const file_record& f,
                 const std::string& range, const std::string& if_none_match,
                 const error_fn& error);

/// `GET`/`HEAD /download/<tid>/<file>`: a signed link or the owner's key.
/// The file is streamed from its blob, never loaded whole.
void download(std::shared_ptr<const services> svc, request& req,
              responder respond);

} // namespace skyhaul::http
