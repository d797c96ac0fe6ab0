#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "protocol/task_state.hpp"
#include "protocol/task_status.hpp"

namespace skyhaul {

/// Parameters of a task listing, in creation order.
struct task_query {
  /// Only tasks in this state; `any_state` means all states.
  static constexpr uint8_t any_state = 0xff;
  uint8_t state = any_state;
  /// Start after this sequence number (cursor); 0 starts at the beginning.
  task_seq after = 0;
  /// Skip this many matches after the cursor.
  uint64_t offset = 0;
  /// At most this many entries.
  uint32_t limit = 100;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_query& x) {
  return f(x.state, x.after, x.offset, x.limit);
}

/// One page of a task listing.
struct task_page {
  std::vector<task_status> tasks;
  /// Cursor for the next page; 0 when this is the last page.
  task_seq next = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_page& x) {
  return f(x.tasks, x.next);
}

/// Number of a user's tasks in each state, indexed by `task_state`.
struct state_counters {
  std::array<uint64_t, num_task_states> counts{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, state_counters& x) {
  return f(x.counts);
}

} // namespace skyhaul
