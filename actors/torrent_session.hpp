#pragma once

#include <caf/fwd.hpp>

#include "protocol/actors.hpp"

namespace skyhaul {

struct settings;

/// Spawns the torrent session: one `lt::session` configured from `cfg`
/// (which must outlive it), resume data going to `store`. Detached: the
/// session's construction and destruction block while libtorrent starts and
/// stops its threads and says goodbye to trackers.
torrent_session_actor spawn_torrent_session(caf::actor_system& sys,
                                            const settings* cfg,
                                            store_actor store);

} // namespace skyhaul
