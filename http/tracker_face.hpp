#pragma once

#include "http/router.hpp"
#include "http/services.hpp"

#include <memory>

namespace skyhaul::http {

/// Mounts the private tracker (BEP 3) under `/announce/<passkey>` and
/// `/scrape/<passkey>`: the passkey in the path is the credential, and
/// every answer, errors included, is bencoded (http/tracker_error.hpp).
void mount_tracker(router& r, std::shared_ptr<const services> svc);

/// The announce reply `rep` bencoded; `compact` as the client asked.
std::string bencode_announce(const announce_reply& rep, bool compact);

/// The scrape reply bencoded.
std::string bencode_scrape(scrape_reply rep);

} // namespace skyhaul::http
