#pragma once

#include <cstdint>
#include <string>
#include "protocol/enum_range.hpp"

namespace skyhaul {

/// The life cycle of a task (DESIGN.md, "States").
enum class task_state : uint8_t {
  waiting = 0,
  downloading,
  paused,
  finished,
  failed,
  cancelled,
};

template <>
struct enum_range<task_state> {
  static constexpr auto last = task_state::cancelled;
};

/// Number of states; counters and indexes are sized by it.
constexpr size_t num_task_states = 6;

/// Returns the Task API word for `x`, e.g. `"downloading"`.
const char* to_string(task_state x);

/// Parses a Task API word; returns false for unknown words.
bool from_string(const std::string& str, task_state& x);

/// True for states that end a task: finished, failed, cancelled.
constexpr bool is_terminal(task_state x) {
  return x == task_state::finished || x == task_state::failed
         || x == task_state::cancelled;
}

} // namespace skyhaul
