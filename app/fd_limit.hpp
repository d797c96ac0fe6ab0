#pragma once

// The descriptor budget of skyhauld: every slow download holds a socket,
// so the daemon takes all the descriptors the system lets it have.

#include <cstddef>

namespace skyhaul {

/// Raises the soft RLIMIT_NOFILE to the hard limit and logs both; returns
/// the soft limit in force afterwards.
size_t raise_fd_limit();

} // namespace skyhaul
