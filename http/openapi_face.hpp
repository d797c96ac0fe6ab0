#pragma once

// GET /openapi.json: the OpenAPI 3.1 document of the faces
// (docs/openapi.json, compiled into the binary), open to anyone because it
// is documentation, with an ETag so clients and caches revalidate cheaply.

#include <string_view>

namespace skyhaul::http {

class router;

/// The document as built into the binary.
std::string_view openapi_document();

/// Mounts the "openapi" face: GET /openapi.json.
void mount_openapi(router& r);

} // namespace skyhaul::http
