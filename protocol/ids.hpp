#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace skyhaul {

/// A user's numeric id; 0 is never a valid user.
using user_id = uint64_t;

/// A task's sequence number: unique, increasing in creation order.
using task_seq = uint64_t;

/// Formats a task id as the 20 hex digits the faces show, e.g.
/// `0000000000000000002a` (the Offline API's ids have the same shape).
std::string format_tid(task_seq seq);

/// Parses a task id made by `format_tid`; nullopt for anything else.
std::optional<task_seq> parse_tid(std::string_view tid);

/// Milliseconds since the Unix epoch, from the system clock.
int64_t now_ms();

} // namespace skyhaul
