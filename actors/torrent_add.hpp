#pragma once

// Turning a task's `torrent_add` into libtorrent's add parameters: the
// metainfo or magnet link, resume data of an earlier run, the file
// selection and the per-torrent limits.

#include <caf/error.hpp>

#include "actors/torrent_entry.hpp"

namespace skyhaul {

struct settings;

/// Fills `p` for `req` and records in `e` what the session needs later:
/// the metadata and layout when known (a magnet link without resume data
/// has none: `e.readd` keeps its parameters for the add with files chosen),
/// the info-hash, and whether to recheck. Fails with the
/// errors of the session's `start` (bad metainfo or magnet link, an unknown
/// wanted file, too large).
caf::error make_params(const settings& cfg, const torrent_add& req,
                       torrent_entry& e, lt::add_torrent_params& p);

} // namespace skyhaul
