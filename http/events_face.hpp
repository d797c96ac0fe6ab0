#pragma once

// `GET /events` on the api listener: a user's task events as Server-Sent
// Events, resumable with `Last-Event-ID` (header or `?last_event_id=`) and
// filtered to some tasks with `?tid=` (repeatable). Built on the event
// hub's subscription; one listener actor per open stream.

#include <memory>

#include "http/router.hpp"
#include "http/services.hpp"

namespace skyhaul::http {

/// Mounts the events face on `r`: `/events`, JSON errors in the Task API's
/// shape, the same authentication (api key, or the login cookie).
void mount_events(router& r, std::shared_ptr<const services> svc);

} // namespace skyhaul::http
