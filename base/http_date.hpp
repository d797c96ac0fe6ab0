#pragma once
// Dates on the wire: HTTP's IMF-fixdate (Last-Modified, Date, SigV2's
// string to sign) and the ISO 8601 basic form of x-amz-date (SigV4).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace skyhaul {

/// `Sun, 06 Nov 1994 08:49:37 GMT` of seconds since the epoch.
std::string format_http_date(int64_t unix_s);

/// Seconds since the epoch of an HTTP date in any of RFC 7231's three
/// forms (IMF-fixdate, RFC 850, asctime), also with a numeric zone; nullopt
/// when it is none of them.
std::optional<int64_t> parse_http_date(std::string_view s);

/// `yyyymmddThhmmssZ` of seconds since the epoch.
std::string format_amz_date(int64_t unix_s);

/// Seconds since the epoch of a `yyyymmddThhmmssZ` date, or nullopt.
std::optional<int64_t> parse_amz_date(std::string_view s);

} // namespace skyhaul
