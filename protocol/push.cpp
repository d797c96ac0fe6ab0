#include "protocol/push.hpp"

namespace skyhaul {

const char* to_string(push_state s) {
  switch (s) {
    case push_state::queued:
      return "queued";
    case push_state::retrying:
      return "retrying";
    case push_state::done:
      return "done";
    case push_state::failed:
      return "failed";
  }
  return "unknown";
}

} // namespace skyhaul
