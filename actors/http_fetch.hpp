#pragma once

#include <caf/fwd.hpp>
#include <memory>

#include "protocol/actors.hpp"
#include "protocol/settings.hpp"

namespace skyhaul {

class curl_loop;

/// Spawns http_fetch: a thin actor in front of its downloads, which run as
/// jobs on `loop`. They end when the actor exits; the loop closes their
/// files soon after.
http_fetch_actor spawn_http_fetch(caf::actor_system& sys,
                                  std::shared_ptr<curl_loop> loop,
                                  const settings& cfg);

/// The file name a response suggests: `Content-Disposition` (filename*
/// first), else the last segment of the URL path, sanitised to a single
/// path segment; "download" when nothing usable is left.
std::string file_name_from(const std::string& content_disposition,
                           const std::string& url);

} // namespace skyhaul
