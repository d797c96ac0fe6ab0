#pragma once

#include <caf/fwd.hpp>

#include "protocol/actors.hpp"

namespace skyhaul::storage {
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

struct settings;

/// Spawns the torrent session: one `lt::session` configured from `cfg`
/// (which must outlive it), resume data going to `store`. Detached: the
/// session's construction and destruction block while libtorrent starts and
/// stops its threads and says goodbye to trackers. With `db` (read only,
/// outliving it), it also seeds the posts made from finished tasks.
torrent_session_actor spawn_torrent_session(caf::actor_system& sys,
                                            const settings* cfg,
                                            store_actor store,
                                            storage::lmdb_env* db = nullptr);

} // namespace skyhaul
