#include "protocol/task_state.hpp"

namespace skyhaul {

namespace {

constexpr const char* names[] = {"waiting",  "downloading", "paused",
                                 "finished", "failed",      "cancelled"};

} // namespace

const char* to_string(task_state x) {
  auto i = static_cast<size_t>(x);
  return i < num_task_states ? names[i] : "unknown";
}

bool from_string(const std::string& str, task_state& x) {
  for (size_t i = 0; i < num_task_states; ++i)
    if (str == names[i]) {
      x = static_cast<task_state>(i);
      return true;
    }
  return false;
}

} // namespace skyhaul
