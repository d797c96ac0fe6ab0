#pragma once

// The one list of Skyhaul's message types for CAF 0.17's runtime type
// information. Inside one process CAF needs none of it; across processes
// (skyhauld --publish, and the CAF programs that drive it) every type in a
// message must be announced by the same name on both sides, or the message
// cannot be deserialized and the interfaces do not match.

#include <caf/fwd.hpp>

namespace skyhaul {

/// Announces every type of protocol/fwd.hpp's type-ID block, the vectors
/// and actor handles that appear in messages of the published interface
/// (`remote_api_actor` in protocol/actors.hpp), and the `skyhaul` error
/// category. Call it on the config before the actor_system is made.
void announce_message_types(caf::actor_system_config& cfg);

} // namespace skyhaul
