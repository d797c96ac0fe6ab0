#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include "protocol/enum_range.hpp"

namespace skyhaul {

/// The one error enum every component uses; each face maps it once.
enum class ec : uint8_t {
  none = 0,
  /// The URL cannot be parsed or its scheme is not supported (400).
  invalid_uri,
  /// The source exists but could not be downloaded (400).
  download_source_exception,
  /// The source does not exist, e.g. HTTP 404 (404).
  no_such_download_source,
  /// Something broke on our side (500).
  internal_error,
  /// The request is valid but this server does not do it yet (501).
  not_implemented,
  /// A downloaded file does not match the expected MD5/SHA-1/CRC32.
  checksum_mismatch,
  /// A downloaded file does not match the expected size.
  size_mismatch,
  /// The object key already exists and the rule forbids overwriting it.
  key_exists,
  /// Bad input from the caller (400).
  invalid_argument,
  /// Missing or wrong credentials (401).
  unauthenticated,
  /// Authenticated, but not allowed (403).
  forbidden,
  /// Unknown task, object or user, or one owned by someone else (404).
  not_found,
  /// A limit of the account was reached.
  quota_exceeded,
  /// A body, a file or a list is larger than allowed (413).
  too_large,
  /// The requested state transition is impossible, e.g. pausing a finished
  /// task (409).
  invalid_state,
  /// The target address is refused by the network policy.
  blocked_address,
  /// The operation was stopped on purpose (pause, cancel, shutdown).
  aborted,
  /// The disk or the database has no room left for the data (507).
  insufficient_storage,
};

template <>
struct enum_range<ec> {
  static constexpr auto last = ec::insufficient_storage;
};

/// Returns the identifier of `x`, e.g. `"invalid_uri"`.
const char* to_string(ec x);

/// Parses the identifier produced by `to_string`.
bool from_string(const std::string& str, ec& x);

/// Returns the HTTP status that fits `x` on the JSON faces.
unsigned http_status(ec x);

/// Returns the error code of the S3-shaped faces for `x`, e.g.
/// `"InvalidURI"` or `"NoSuchDownloadSource"` (seed 000).
const char* s3_code(ec x);

/// Returns the HTTP status of the S3-shaped faces for `x`.
unsigned s3_status(ec x);

/// Returns a human readable default message for `x`.
const char* default_message(ec x);

/// Returns the enum value stored in a CAF error of category `skyhaul`, or
/// `ec::internal_error` for foreign errors and `ec::none` for no error.
ec code_of(const caf::error& err);

/// Returns the message text of `err` (context string), if any.
std::string message_of(const caf::error& err);

/// Makes a CAF error with a human message attached as context.
caf::error make_error(ec code, std::string msg);

} // namespace skyhaul

CAF_ERROR_CODE_ENUM(skyhaul::ec, "skyhaul")
