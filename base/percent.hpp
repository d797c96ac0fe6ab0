#pragma once
// Percent-encoding: request targets and form bodies (decode), query
// strings we build (encode), and SigV4's stricter URI encoding.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skyhaul {

/// Decodes `%XX` escapes (a malformed escape stays as it is); `+` becomes
/// a space when `plus_is_space` (query strings and form bodies).
std::string url_decode(const std::string& s, bool plus_is_space);

/// Percent-encodes everything but `A-Za-z0-9-_.~` (and '/' when
/// `keep_slash`) with upper-case hex.
std::string url_encode(const std::string& s, bool keep_slash = false);

/// Percent-encodes `s` as SigV4 wants it: everything but `A-Za-z0-9-_.~`
/// (and '/' when `keep_slash`) becomes `%XX` with upper-case hex.
std::string aws_uri_encode(std::string_view s, bool keep_slash);

/// Splits a raw query (no '?') at '&' into its `name`, `value` pairs, still
/// encoded; an empty part is skipped, a part without '=' has an empty
/// value. Decoding is the caller's: SigV4 signs the raw bytes, a tracker
/// decodes binary values without reading '+' as a space.
std::vector<std::pair<std::string, std::string>>
split_raw_query(std::string_view raw_query);

} // namespace skyhaul
