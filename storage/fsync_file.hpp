#pragma once

#include <string>

namespace skyhaul::storage {

/// Makes the bytes of the file at `path` durable. Returns an error text,
/// empty on success; `missing_ok` accepts a file that does not exist (a
/// torrent's empty files may never be created). Blocking.
std::string fsync_file(const std::string& path, bool missing_ok = false);

} // namespace skyhaul::storage
