#pragma once

// The parts of a segmented HTTP download in a task's full status: for each
// its range, bytes done and speed, and the notes of its transfer (a
// dropped mirror).

#include "http/json.hpp"
#include "protocol/task_status.hpp"

namespace skyhaul::http {

/// Writes `"parts":[{start,end,done,speed,source}…]` and `"notes":[…]`
/// into the open object, each only when the task has any.
void write_task_parts(json_writer& w, const task_status& ts);

} // namespace skyhaul::http
