#include "storage/community_gate.hpp"

#include "storage/level_table.hpp"
#include "storage/post_table.hpp"

namespace skyhaul::storage {

gated_metainfo gate_metainfo(const txn& t, const user_record& user,
                             uint64_t pid) {
  gated_metainfo out;
  auto refuse = [&](ec code, const char* msg) {
    out.code = code;
    out.message = msg;
    return out;
  };
  auto post = get_post(t, pid);
  bool privileged = user.admin || (post && post->author == user.id);
  if (!post || (!post->enabled && !privileged))
    return refuse(ec::not_found, "No such post found");
  out.post = *post;
  if (!privileged) {
    auto need = get_level(t, post->min_level);
    auto own = level_of(t, user);
    if (!need || own.lid == 0 || ranks_below(own, *need))
      return refuse(ec::forbidden, "Insufficient level");
  }
  auto meta = get_metainfo(t, pid);
  if (!meta)
    return refuse(ec::not_found, "Torrent file not exists");
  out.torrent = std::move(meta->torrent);
  return out;
}

} // namespace skyhaul::storage
