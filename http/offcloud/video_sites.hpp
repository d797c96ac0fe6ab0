#pragma once

// Video-sharing sites: the sources the seed's `not_available:"video"` is
// about ("User must purchase a video sharing site support addon"). A plan
// without `video` is refused for a URL on one of them and nothing starts;
// a plan with it downloads the URL like any other.

#include <string>
#include <vector>

namespace skyhaul::http::offcloud {

/// The sites used when the configuration names none (`video_sites`).
const std::vector<std::string>& builtin_video_sites();

/// True when `host` is one of `sites` or a subdomain of one (case
/// insensitive); with `sites` empty, of the built-in list.
bool is_video_site(const std::string& host,
                   const std::vector<std::string>& sites);

} // namespace skyhaul::http::offcloud
