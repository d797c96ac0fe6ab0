#pragma once

#include <caf/fwd.hpp>

#include "actors/task.hpp"
#include "protocol/actors.hpp"

namespace skyhaul {

/// Spawns the scheduler. It recovers the queue from LMDB first: tasks that
/// were downloading when the process stopped go first, then the waiting
/// ones in creation order.
scheduler_actor spawn_scheduler(caf::actor_system& sys, task_deps deps);

} // namespace skyhaul
