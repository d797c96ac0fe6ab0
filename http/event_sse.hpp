#pragma once

// Server-Sent Events framing of the event log (`GET /events`): one event is
// `id: <id>\nevent: <type>\ndata: <one-line JSON>\n\n`.

#include <string>
#include <string_view>

#include "protocol/event.hpp"

namespace skyhaul::http {

/// The `data` of `ev`: one line of JSON in the shape of its type.
std::string event_data(const task_event& ev);

/// `ev` as one SSE event.
std::string sse_frame(const task_event& ev);

/// A comment line (`: text`), which clients ignore: heartbeats.
std::string sse_comment(std::string_view text);

} // namespace skyhaul::http
