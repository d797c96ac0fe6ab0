#pragma once

// `.torrent` files uploaded through `POST /torrent/upload`. Clients then
// hand the returned URL to `/api/cloud`, so the file is kept under its
// SHA-256 in the data dir and the URL names it; the cloud call reads it
// back instead of fetching its own URL over the network.

#include <optional>
#include <string>

#include "http/services.hpp"

namespace skyhaul::http::offcloud {

/// Keeps `bytes` (already checked to be a bencoded dictionary); returns
/// its name (`<sha256 hex>.torrent`) or nullopt with `why`.
std::optional<std::string> keep_upload(const services& svc,
                                       const std::string& bytes,
                                       std::string& why);

/// The uploaded torrent an upload URL (`…/torrent/file/<name>`) names,
/// when it is one of ours; nullopt for any other URL.
std::optional<std::string> uploaded_torrent(const services& svc,
                                            const std::string& url);

} // namespace skyhaul::http::offcloud
