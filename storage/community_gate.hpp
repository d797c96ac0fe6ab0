#pragma once

// Who may download a post's torrent: the one rule behind the metainfo
// download and `fetch` (the tracker applies the same rule from its cache).

#include <string>

#include "protocol/error.hpp"
#include "protocol/post.hpp"
#include "protocol/user_record.hpp"
#include "storage/lmdb_env.hpp"

namespace skyhaul::storage {

/// The post and its stored metainfo, or why `user` may not have them.
struct gated_metainfo {
  ec code = ec::none;
  std::string message;
  post_record post;
  std::string torrent;
};

/// `ec::not_found` for an unknown post (or a disabled one of someone
/// else) or one without metainfo, `ec::forbidden` ("Insufficient level")
/// when the user's level is below the post's minLevel. Authors and admins
/// always may.
gated_metainfo gate_metainfo(const txn& t, const user_record& user,
                             uint64_t pid);

} // namespace skyhaul::storage
