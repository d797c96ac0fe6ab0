#include "protocol/error.hpp"

#include <caf/message.hpp>

namespace skyhaul {

namespace {

struct row {
  ec code;
  const char* name;
  unsigned status;
  const char* message;
  /// The code and status of the S3-shaped faces (Offline API, S3 API,
  /// failure callbacks).
  const char* s3_code;
  unsigned s3_status;
};

constexpr row rows[] = {
    {ec::none, "none", 200, "OK", "OK", 200},
    {ec::invalid_uri, "invalid_uri", 400, "Couldn't parse the specified URI.",
     "InvalidURI", 400},
    {ec::download_source_exception, "download_source_exception", 400,
     "Download source exception: can not download file.",
     "DownloadSourceException", 400},
    {ec::no_such_download_source, "no_such_download_source", 404,
     "The specified download source does not exist.", "NoSuchDownloadSource",
     404},
    {ec::internal_error, "internal_error", 500,
     "We encountered an internal error. Please try again.", "InternalError",
     500},
    {ec::not_implemented, "not_implemented", 501,
     "Current request not implemented.", "NotImplemented", 501},
    {ec::checksum_mismatch, "checksum_mismatch", 400,
     "The downloaded file does not match the expected checksum.", "BadDigest",
     400},
    {ec::size_mismatch, "size_mismatch", 400,
     "The downloaded file does not match the expected size.", "IncompleteBody",
     400},
    {ec::key_exists, "key_exists", 409, "The object key already exists.",
     "KeyAlreadyExists", 409},
    {ec::invalid_argument, "invalid_argument", 400, "Invalid argument.",
     "InvalidArgument", 400},
    {ec::unauthenticated, "unauthenticated", 401,
     "Missing or invalid credentials.", "AccessDenied", 403},
    {ec::forbidden, "forbidden", 403, "Access denied.", "AccessDenied", 403},
    {ec::not_found, "not_found", 404, "Not found.", "NoSuchKey", 404},
    {ec::quota_exceeded, "quota_exceeded", 403, "Quota exceeded.",
     "QuotaExceeded", 403},
    {ec::too_large, "too_large", 413, "Too large.", "EntityTooLarge", 400},
    {ec::invalid_state, "invalid_state", 409,
     "The task cannot make that transition in its current state.",
     "InvalidRequest", 409},
    {ec::blocked_address, "blocked_address", 403,
     "The address is refused by the network policy.", "DownloadSourceException",
     400},
    {ec::aborted, "aborted", 409, "The operation was stopped.",
     "RequestCancelled", 409},
    {ec::insufficient_storage, "insufficient_storage", 507,
     "There is not enough storage left for the data.", "InsufficientStorage",
     507},
};

const row& lookup(ec x) {
  for (auto& r : rows)
    if (r.code == x)
      return r;
  return rows[static_cast<size_t>(ec::internal_error)];
}

} // namespace

const char* to_string(ec x) {
  return lookup(x).name;
}

bool from_string(const std::string& str, ec& x) {
  for (auto& r : rows)
    if (str == r.name) {
      x = r.code;
      return true;
    }
  return false;
}

unsigned http_status(ec x) {
  return lookup(x).status;
}

const char* s3_code(ec x) {
  return lookup(x).s3_code;
}

unsigned s3_status(ec x) {
  return lookup(x).s3_status;
}

const char* default_message(ec x) {
  return lookup(x).message;
}

ec code_of(const caf::error& err) {
  if (!err)
    return ec::none;
  if (err.category() != caf::atom("skyhaul"))
    return ec::internal_error;
  return static_cast<ec>(err.code());
}

std::string message_of(const caf::error& err) {
  if (!err)
    return {};
  if (err.category() == caf::atom("skyhaul")) {
    auto& ctx = err.context();
    if (ctx.size() == 1 && ctx.match_element<std::string>(0))
      return ctx.get_as<std::string>(0);
    return default_message(code_of(err));
  }
  return caf::to_string(err);
}

caf::error make_error(ec code, std::string msg) {
  return caf::make_error(code, std::move(msg));
}

} // namespace skyhaul
