#include "http/not_implemented.hpp"

#include "http/s3_error.hpp"

namespace skyhaul::http {

void add_not_implemented(router& r) {
  // No routes: every request reaches `error` as a 404 or 405 of the
  // router, which this face turns into NotImplemented.
  r.error = [](const request& req, unsigned status, const std::string& msg) {
    switch (status) {
      case 400:
        return s3_error(400, "InvalidRequest", msg, req.path);
      case 413:
        return s3_error(413, "EntityTooLarge", msg, req.path);
      case 431:
        return s3_error(400, "RequestHeaderSectionTooLarge", msg, req.path);
      case 404:
      case 405:
      case 501:
        return s3_error(501, "NotImplemented",
                        "not implemented yet: " + req.method + " " + req.path,
                        req.path);
      default:
        return s3_error(status, "InternalError", msg, req.path);
    }
  };
}

} // namespace skyhaul::http
