#pragma once

// `skyhaul watch` and `add --wait`: tasks followed on the event stream,
// drawn as progress bars (or printed as JSON lines with --json).

#include <functional>
#include <string>
#include <vector>

#include "app/cli/bars.hpp"
#include "app/cli/config.hpp"

namespace skyhaul::cli {

/// Runs once the subscription is in effect, so no event of what it does
/// is missed: fills the tasks to follow (with what is known of them) or
/// says why it cannot.
using follow_start
  = std::function<bool(std::vector<task_view>& tasks, std::string& error)>;

/// Follows tasks until each has ended; with no task named, every task of
/// the user until interrupted. Returns the exit status: 0 when every task
/// finished, 1 when one failed, was cancelled or removed, or the stream
/// failed.
int follow(const endpoint& ep, const std::vector<std::string>& tids,
           bool json, const follow_start& start);

/// A task's view from its status (the Task API's `detail` object).
task_view view_of_status(const std::string& status_body, std::string& error);

/// True for the states a task does not leave on its own.
bool is_end_state(const std::string& state);

} // namespace skyhaul::cli
