#include "http/openapi_face.hpp"

#include "base/crypto.hpp"
#include "http/download.hpp"
#include "http/json.hpp"
#include "http/router.hpp"

namespace skyhaul::embedded {
extern const char openapi_json[];
extern const unsigned long openapi_json_size;
} // namespace skyhaul::embedded

namespace skyhaul::http {

std::string_view openapi_document() {
  return {embedded::openapi_json, embedded::openapi_json_size};
}

void mount_openapi(router& r) {
  face f;
  f.name = "openapi";
  f.prefixes = {"/openapi.json"};
  f.error = [](const request&, unsigned status, const std::string& msg) {
    return json_error(status, msg);
  };
  auto m = r.mount(std::move(f));
  // The document never changes while the process runs: one hash at start.
  auto etag = "\"" + sha256_hex(openapi_document()).substr(0, 32) + "\"";
  m.add("GET", "/openapi.json", access::open,
        [etag](const caller_ptr&, request& req, responder respond) {
          reply out;
          out.headers = {{"ETag", etag}, {"Cache-Control", "no-cache"}};
          if (etag_matches(req.header("if-none-match"), etag)) {
            out.status = 304;
            out.content_type.clear();
            respond(std::move(out));
            return;
          }
          out.body = std::string{openapi_document()};
          respond(std::move(out));
        });
}

} // namespace skyhaul::http
