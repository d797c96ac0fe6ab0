#pragma once

// The web UI: static files at `/` and `/ui/...` on the api listener, from
// the daemon's own binary (see ui/embed.cmake), so a browser needs nothing
// but this server: no CDN, no font service, no build step.

#include <cstddef>
#include <memory>

#include "http/router.hpp"
#include "http/services.hpp"

namespace skyhaul::http {

/// One embedded file of ui/.
struct ui_asset {
  /// The path under ui/, e.g. "index.html" or "js/tasks.js".
  const char* path;
  const unsigned char* data;
  size_t size;
};

/// Every file of ui/, generated at build time.
extern const ui_asset ui_assets[];
extern const size_t ui_asset_count;

/// The Content-Security-Policy of every UI reply: this origin only, no
/// inline script or style, no frames, no plugins.
extern const char* const ui_csp;

/// Mounts the UI face: `GET /` (index.html) and `GET /ui/*file`. It
/// claims every path that no other face claims, and renders errors in the
/// Task API's JSON shape, so those paths answer as they did before.
void mount_ui(router& r, std::shared_ptr<const services> svc);

} // namespace skyhaul::http
