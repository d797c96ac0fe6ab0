#include "storage/rules/community.hpp"

#include "storage/level_table.hpp"
#include "storage/post_table.hpp"
#include "storage/rules/group_commit.hpp"
#include "storage/seed_table.hpp"
#include "storage/task_table.hpp"
#include "storage/torrent_table.hpp"
#include "storage/user_table.hpp"

namespace skyhaul::storage::rules {

namespace {

const char* no_post = "No such post found";

user_record caller_of(const txn& t, const community_write& w) {
  auto user = get_user(t, w.caller);
  if (!user)
    throw refusal(ec::forbidden, "Unknown user");
  return *user;
}

post_record post_of(const txn& t, const community_write& w) {
  auto post = get_post(t, w.id);
  if (!post || (!post->enabled && post->author != w.caller && !w.admin))
    throw refusal(ec::not_found, no_post);
  return *post;
}

void check_author(const post_record& post, const community_write& w) {
  if (post.author != w.caller && !w.admin)
    throw refusal(ec::forbidden, "Only the author or an admin may do that");
}

/// A user may ask for at most their own level, unless an admin.
void check_min_level(const txn& t, const community_write& w) {
  auto wanted = get_level(t, w.post.min_level);
  if (!wanted)
    throw refusal(ec::invalid_argument,
                  "No such level: " + std::to_string(w.post.min_level));
  if (w.admin)
    return;
  auto own = level_of(t, caller_of(t, w));
  if (own.lid == 0 || ranks_below(own, *wanted))
    throw refusal(ec::forbidden,
                  "minLevel may be at most your own level (" + own.name
                      + ")");
}

void copy_edit(post_record& to, const post_record& from) {
  to.title = from.title;
  to.content = from.content;
  to.enabled = from.enabled;
  to.min_level = from.min_level;
}

community_outcome put_level_rule(txn& t, const community_write& w) {
  community_outcome out;
  out.level = w.level;
  if (w.level.lid == 0) {
    out.level.lid = static_cast<uint32_t>(next_community_id(t, "level"));
  } else if (!get_level(t, w.level.lid)) {
    throw refusal(ec::not_found, "No such level");
  }
  put_level(t, out.level);
  return out;
}

community_outcome delete_level_rule(txn& t, const community_write& w) {
  auto lid = static_cast<uint32_t>(w.id);
  auto level = get_level(t, lid);
  if (!level)
    throw refusal(ec::not_found, "No such level");
  bool used = false;
  scan_posts(t, [&](const post_record& p) {
    used = p.min_level == lid;
    return !used;
  });
  if (used)
    throw refusal(ec::invalid_state, "A post requires this level");
  erase_level(t, lid);
  community_outcome out;
  out.level = *level;
  return out;
}

/// The seed of post `p` from the caller's finished task `w.from_task`: its
/// stored files, by torrent path. Checked again here, since the task may
/// have gone since the edge looked.
post_seed seed_of(const txn& t, const community_write& w,
                  const post_record& p) {
  auto rec = get_task(t, w.from_task);
  if (!rec || rec->owner != w.caller)
    throw refusal(ec::not_found, "No such task: " + format_tid(w.from_task));
  if (rec->state != task_state::finished)
    throw refusal(ec::invalid_state, "The task has not finished");
  post_seed seed;
  seed.pid = p.pid;
  seed.author = w.caller;
  seed.task = rec->seq;
  seed.info_hash = p.info_hash;
  for (auto& f : rec->files)
    if (!f.blob.empty())
      seed.files.push_back(seed_file{f.name, f.blob, f.size});
  if (seed.files.empty())
    throw refusal(ec::invalid_state, "The task stored no file");
  return seed;
}

/// A torrent made from a task's file (an HTTP or FTP download) names
/// stored content as a downloaded torrent does: the info-hash cache gets
/// its file, so a fetch of the post, here or through Offcloud's cache,
/// stores it at once instead of asking the swarm for bytes Skyhaul holds.
/// A torrent task's own torrent was cached when it finished.
void cache_made_torrent(txn& t, const post_record& p, task_seq task) {
  auto rec = get_task(t, task);
  if (!rec || !rec->info_hash.empty() || rec->files.size() != 1)
    return;
  auto as_torrent = *rec;
  as_torrent.info_hash = p.info_hash;
  as_torrent.torrent_name = rec->files.front().name;
  as_torrent.torrent_files = 1;
  remember_torrent(t, as_torrent);
}

} // namespace

community_outcome apply_community(txn& t, const community_write& w,
                                  int64_t now_ms) {
  community_outcome out;
  switch (w.op) {
    case community_op::create_post: {
      caller_of(t, w);
      check_min_level(t, w);
      auto& p = out.post;
      copy_edit(p, w.post);
      p.pid = next_community_id(t, "post");
      p.post_time_ms = now_ms;
      p.author = w.caller;
      // A post made from a finished task comes with its metainfo.
      if (!w.torrent.empty()) {
        if (find_post_by_hash(t, w.post.info_hash))
          throw refusal(ec::key_exists,
                        "Another post carries this torrent already");
        p.info_hash = w.post.info_hash;
        p.size = w.post.size;
        put_metainfo(t, metainfo_record{p.pid, w.torrent});
        if (w.from_task != 0) {
          put_seed(t, seed_of(t, w, p));
          cache_made_torrent(t, p, w.from_task);
        }
      }
      put_post(t, p);
      return out;
    }
    case community_op::update_post: {
      out.post = post_of(t, w);
      check_author(out.post, w);
      check_min_level(t, w);
      copy_edit(out.post, w.post);
      put_post(t, out.post);
      return out;
    }
    case community_op::delete_post:
      out.post = post_of(t, w);
      check_author(out.post, w);
      erase_post(t, out.post);
      // Skyhaul stops seeding it (actors/torrent_seed.cpp).
      erase_seed(t, out.post.pid);
      return out;
    case community_op::add_thread: {
      out.post = post_of(t, w);
      auto& th = out.thread;
      th = w.thread;
      th.tid = next_community_id(t, "thread");
      th.pid = out.post.pid;
      th.post_time_ms = now_ms;
      th.replyer = w.caller;
      put_thread(t, th);
      ++out.post.thread_count;
      if (th.rate > 0) {
        out.post.rate_sum += th.rate;
        ++out.post.rate_count;
      }
      put_post(t, out.post);
      return out;
    }
    case community_op::put_metainfo: {
      out.post = post_of(t, w);
      if (out.post.author != w.caller)
        throw refusal(ec::forbidden, "Only the author may upload the torrent");
      if (!out.post.info_hash.empty() || get_metainfo(t, out.post.pid))
        throw refusal(ec::key_exists,
                      "Please re-post new one as bencode already exists");
      if (find_post_by_hash(t, w.post.info_hash))
        throw refusal(ec::key_exists,
                      "Another post carries this torrent already");
      out.post.info_hash = w.post.info_hash;
      out.post.size = w.post.size;
      put_post(t, out.post);
      put_metainfo(t, metainfo_record{out.post.pid, w.torrent});
      return out;
    }
    case community_op::put_level:
      if (!w.admin)
        throw refusal(ec::forbidden, "Only admins may change levels");
      return put_level_rule(t, w);
    case community_op::delete_level:
      if (!w.admin)
        throw refusal(ec::forbidden, "Only admins may change levels");
      return delete_level_rule(t, w);
  }
  throw refusal(ec::invalid_argument, "unknown community write");
}

} // namespace skyhaul::storage::rules
