#pragma once

// The commands of `skyhaul`, each a call or two to the Task API.

#include "app/cli/args.hpp"

namespace skyhaul::cli {

/// Exit statuses.
constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

/// Runs the parsed command line; returns the exit status.
int run(const args& a);

} // namespace skyhaul::cli
