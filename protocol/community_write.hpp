#pragma once

// A change to the community's posts, threads, metainfo and levels, and
// what it made. The edge checks the shape of the input; the store's rule
// (storage/rules/community.cpp) checks permissions and references inside
// the transaction that writes, so no check can go stale before the write.

#include <cstdint>
#include <string>

#include "protocol/ids.hpp"
#include "protocol/level.hpp"
#include "protocol/post.hpp"
#include "protocol/thread.hpp"

namespace skyhaul {

enum class community_op : uint8_t {
  /// `post` holds title, content, enabled and min_level; with a
  /// `torrent` (from a finished task), also its info_hash and size.
  /// With `from_task`, Skyhaul seeds the task's stored files (the
  /// community actor makes the torrent when the task kept none).
  create_post,
  /// The same fields, for post `id`.
  update_post,
  delete_post,
  /// `thread` holds content and rate, for post `id`.
  add_thread,
  /// `torrent` is checked metainfo for post `id`; `post.info_hash` and
  /// `post.size` are its facts.
  put_metainfo,
  /// `level`; `level.lid` 0 creates one.
  put_level,
  delete_level,
};

struct community_write {
  community_op op = community_op::create_post;
  user_id caller = 0;
  bool admin = false;
  /// The post or level it is about.
  uint64_t id = 0;
  post_record post;
  thread_record thread;
  level_record level;
  std::string torrent;
  /// A post made from this finished task of the caller (0: none).
  task_seq from_task = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, community_write& x) {
  return f(x.op, x.caller, x.admin, x.id, x.post, x.thread, x.level,
           x.torrent, x.from_task);
}

/// What a write made: the post as stored (after a post, thread or
/// metainfo write, and before a delete), the thread, the level.
struct community_outcome {
  post_record post;
  thread_record thread;
  level_record level;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, community_outcome& x) {
  return f(x.post, x.thread, x.level);
}

} // namespace skyhaul
