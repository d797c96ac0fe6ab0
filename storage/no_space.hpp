#pragma once

// A full disk (ENOSPC, EDQUOT) or a full LMDB map is the caller's to fix
// (free space, a larger --map-size), not an internal error: the helpers
// that tell it apart, for every place that turns an error text into a code.

#include <string_view>

#include "protocol/error.hpp"

namespace skyhaul::storage {

/// `err` (an errno) says the disk or the user's quota has no room left.
bool no_space(int err);

/// An error text that names a full disk (the strerror text of ENOSPC or
/// EDQUOT) or a full LMDB map (MDB_MAP_FULL), as the storage layer and the
/// transfers report them.
bool names_no_space(std::string_view msg);

/// `ec::insufficient_storage` when `msg` names a full disk or map, else
/// `otherwise`.
ec storage_error_code(std::string_view msg, ec otherwise = ec::internal_error);

} // namespace skyhaul::storage
