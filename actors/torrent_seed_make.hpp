#pragma once

// The torrent of a task that kept none (an HTTP or FTP download), made from
// its stored file so the task can be posted to the community and seeded.

#include <cstdint>
#include <optional>
#include <string>

namespace skyhaul {

/// A v1 single-file torrent named `name` of the `size` bytes at `path`,
/// marked private (BEP 27): the community's tracker answers only passkey
/// holders, so clients must find no peers through DHT or PEX. No announce:
/// every served copy gets the downloader's (with_announce). Blocking: reads
/// the whole file. Empty, with `error` set, when it cannot be made.
std::optional<std::string> make_file_torrent(const std::string& name,
                                             const std::string& path,
                                             uint64_t size,
                                             std::string& error);

} // namespace skyhaul
