// The start of a BitTorrent task: the metainfo (fetched, uploaded or from
// the swarm; a fetched one is read back on the disk pool), the torrent in
// the session, its metadata and progress, and the info-hash cache that
// stores a known torrent without the network.

#include "actors/torrent_task_steps.hpp"

#include "actors/disk_pool.hpp"
#include "actors/proxy_route.hpp"
#include "actors/torrent_files.hpp"
#include "base/hex.hpp"
#include "base/metainfo.hpp"
#include "protocol/settings.hpp"
#include "protocol/source.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/torrent_table.hpp"

#include <caf/all.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace skyhaul::detail::bt {

namespace {

/// How often a task whose torrent another task has looks again.
constexpr auto busy_retry = std::chrono::seconds(2);

/// Where a torrent task's `.torrent` is fetched to.
std::string metainfo_path(task_ptr self) {
  return self->state.deps.blobs->partial_dir(self->state.rec.seq)
         + "/.metainfo";
}

torrent_add make_add(task_ptr self) {
  auto& st = self->state;
  auto& cfg = *st.deps.cfg;
  torrent_add a;
  a.seq = st.rec.seq;
  a.metainfo = st.rec.spec.torrent;
  if (a.metainfo.empty())
    a.magnet = st.rec.spec.url;
  a.save_path = st.deps.blobs->partial_dir(st.rec.seq);
  a.files = st.rec.spec.files;
  {
    auto t = st.deps.db->read();
    if (auto r = storage::get_resume(t, st.rec.seq)) {
      a.resume = std::move(r->data);
      a.recheck = !r->clean;
    }
  }
  // The files failed the torrent's hashes: libtorrent checks every piece
  // again and fetches the bad ones.
  a.recheck = a.recheck || st.rechecks > 0;
  a.download_limit = cfg.bt_task_download_limit;
  a.upload_limit = cfg.bt_task_upload_limit;
  a.pick_files = st.rec.spec.pick_files && st.rec.spec.files.empty();
  return a;
}

/// The task waits for the choice of its files (task_spec::pick_files)
/// and a torrent of `file_count` files gives one to make. A single file
/// needs no choice: the wait is dropped.
bool awaits_choice(task_ptr self, size_t file_count) {
  auto& spec = self->state.rec.spec;
  if (!spec.pick_files || !spec.files.empty())
    return false;
  if (file_count > 1)
    return true;
  spec.pick_files = false;
  return false;
}

/// Pauses the task until its files are chosen: at once when the torrent
/// is not in the session, else once the session stored its resume data
/// (with a magnet link's metadata) and let it go, as a pause does.
void wait_for_choice(task_ptr self, size_t file_count, bool in_session) {
  auto& st = self->state;
  st.at = phase::ended;
  st.speed = 0;
  add_notes(st.rec,
            {"waiting for the choice of files: " + std::to_string(file_count)
             + " files; PUT /task/tid/<tid>/files starts the "
               "download, a resume takes them all"});
  if (!in_session) {
    settle(self, task_state::paused);
    return;
  }
  self->request(st.deps.torrents, session_timeout, atom::pause_v, st.rec.seq)
      .then([=](caf::ok_atom) { settle(self, task_state::paused); },
            [=](caf::error& err) { give_up(self, err); });
}

void retry_later(task_ptr self, ec code, std::string msg) {
  auto& st = self->state;
  if (st.rec.tries >= st.deps.cfg->max_tries) {
    fail(self, code, std::move(msg));
    return;
  }
  st.at = phase::backoff;
  st.rec.error = code;
  st.rec.error_message = std::move(msg);
  persist_quietly(self);
  self->delayed_send(self, retry_delay(*st.deps.cfg, st.rec.tries),
                     atom::retry_v);
}

void start_metainfo_fetch(task_ptr self) {
  auto& st = self->state;
  auto& cfg = *st.deps.cfg;
  st.at = phase::fetching;
  ++st.rec.tries;
  st.rec.state = task_state::downloading;
  st.bt.metadata = metadata_state::fetching;
  persist_quietly(self);
  std::error_code err;
  std::filesystem::create_directories(
      st.deps.blobs->partial_dir(st.rec.seq), err);
  std::filesystem::remove(metainfo_path(self), err);
  auto req = make_fetch_request(cfg, st.rec.seq, st.rec.spec.url,
                                metainfo_path(self));
  req.max_size = static_cast<int64_t>(cfg.bt_max_torrent_size);
  req.proxy_id = task_proxy_id(cfg, st.rec.spec);
  self->send(st.deps.fetch, atom::start_v, std::move(req),
             caf::actor_cast<fetch_listener_actor>(self));
}

/// The cache entry vanished meanwhile (its objects were deleted): the
/// torrent goes back into the session.
void cached_or_again(task_ptr self, const std::string& hash) {
  if (!try_cache(self, hash) && self->state.at == phase::storing)
    start_swarm(self);
}

} // namespace

void start_swarm(task_ptr self) {
  auto& st = self->state;
  if (!st.rec.spec.torrent.empty() && st.rec.spec.pick_files) {
    // The metainfo is here: the choice is asked for before the session
    // sees the torrent, so not a byte is fetched before it.
    std::string error;
    auto facts = check_metainfo(st.rec.spec.torrent, error);
    if (facts && awaits_choice(self, facts->file_count)) {
      st.rec.info_hash = to_hex(facts->info_hash);
      st.rec.torrent_name = facts->name;
      st.rec.torrent_files = facts->file_count;
      st.rec.total_bytes = static_cast<int64_t>(facts->size);
      wait_for_choice(self, facts->file_count, false);
      return;
    }
  }
  st.at = phase::swarm;
  ++st.rec.tries;
  st.rec.state = task_state::downloading;
  if (st.bt.metadata != metadata_state::received)
    st.bt.metadata = metadata_state::fetching;
  persist_quietly(self);
  auto listener = caf::actor_cast<torrent_listener_actor>(self);
  auto magnet = st.rec.spec.torrent.empty();
  self->request(st.deps.torrents, session_timeout, atom::start_v,
                make_add(self), listener)
      .then(
          [=](caf::ok_atom) {
            auto& st = self->state;
            if (magnet && st.bt.metadata != metadata_state::received) {
              auto limit = std::chrono::seconds(
                  st.deps.cfg->bt_metadata_timeout_s);
              st.metadata_due = std::chrono::steady_clock::now() + limit;
              self->delayed_send(self, limit, atom::timeout_v);
            }
          },
          [=](caf::error& err) {
            if (self->state.at != phase::swarm)
              return;
            auto code = code_of(err);
            if (code == ec::aborted) {
              // The service is stopping; the task stays as it is in LMDB.
              self->quit();
              return;
            }
            if (code == ec::invalid_state) {
              // Another task has this torrent (or it is still stopping):
              // wait for it without spending tries; once it finished, the
              // info-hash cache answers this task.
              auto& st = self->state;
              --st.rec.tries;
              st.at = phase::backoff;
              self->delayed_send(self, busy_retry, atom::retry_v);
              return;
            }
            fail(self, code, message_of(err));
          });
}

bool try_cache(task_ptr self, const std::string& info_hash) {
  auto& st = self->state;
  std::optional<std::vector<file_record>> files;
  uint32_t count = 0;
  std::string name;
  {
    auto t = st.deps.db->read();
    auto entry = storage::find_cached_torrent(t, info_hash);
    if (!entry)
      return false;
    files = cached_files(*entry, st.rec.spec.files);
    count = entry->file_count;
    name = entry->name;
  }
  if (!files)
    return false;
  st.rec.info_hash = info_hash;
  st.rec.torrent_name = name;
  st.rec.torrent_files = count;
  st.bt.metadata = metadata_state::received;
  st.bt.info_hash = info_hash;
  st.bt.name = name;
  uint64_t total = 0;
  for (auto& f : *files) {
    f.last_modified_ms = now_ms();
    f.concrete = true;
    total += f.size;
  }
  st.rec.total_bytes = static_cast<int64_t>(total);
  st.rec.done_bytes = total;
  if (!assign_keys(self, *files) || !verify_files(self, *files))
    return true;
  st.at = phase::storing;
  std::vector<std::string> sources(files->size());
  commit_from(self, std::move(*files), std::move(sources), 0, false);
  return true;
}

bool try_cache_metainfo(task_ptr self) {
  auto& torrent = self->state.rec.spec.torrent;
  if (torrent.empty())
    return false;
  // Stored already (e.g. a post Skyhaul seeds itself): then the session,
  // which holds one torrent per info-hash, is never asked.
  std::string error;
  auto facts = check_metainfo(torrent, error);
  return facts && try_cache(self, to_hex(facts->info_hash));
}

void begin(task_ptr self) {
  auto& st = self->state;
  if (auto why = torrent_proxy_refusal(
        *st.deps.cfg, task_proxy_id(*st.deps.cfg, st.rec.spec));
      !why.empty()) {
    fail(self, ec::invalid_argument, why);
    return;
  }
  if (st.rec.spec.torrent.empty()
      && source_of(st.rec.spec) == source_kind::torrent_url)
    start_metainfo_fetch(self);
  else
    start_swarm(self);
}

void on_metainfo(task_ptr self, const fetch_result& res) {
  auto& st = self->state;
  auto& cfg = *st.deps.cfg;
  if (res.code != ec::none) {
    if (res.code == ec::too_large) {
      fail(self, ec::download_source_exception,
           "the .torrent is larger than "
               + std::to_string(cfg.bt_max_torrent_size) + " bytes");
      return;
    }
    if (res.transient) {
      retry_later(self, res.code, res.message);
      return;
    }
    fail(self, res.code, res.message);
    return;
  }
  // Up to `bt_max_torrent_size` bytes: read on the disk pool, and the
  // bytes come back as a message (`on_metainfo_read`).
  auto path = metainfo_path(self);
  auto me = caf::actor_cast<task_actor>(self);
  st.deps.disk->submit([path, me] {
    std::ifstream in{path, std::ios::binary};
    std::stringstream buf;
    buf << in.rdbuf();
    caf::anon_send(me, atom::meta_v, buf.str());
  });
}

void on_metainfo_read(task_ptr self, std::string& bytes) {
  auto& st = self->state;
  if (bytes.empty()) {
    fail(self, ec::download_source_exception, "the .torrent is empty");
    return;
  }
  // From here on the task holds its metainfo: a restart needs no fetch.
  st.rec.spec.torrent = std::move(bytes);
  st.rec.tries = 0;
  persist(self, [self] {
    std::error_code err;
    std::filesystem::remove(metainfo_path(self), err);
    if (self->state.at == phase::fetching && !try_cache_metainfo(self))
      start_swarm(self);
  });
}

void on_meta(task_ptr self, torrent_meta& m) {
  auto& st = self->state;
  st.bt.metadata = metadata_state::received;
  st.bt.info_hash = m.info_hash;
  st.bt.name = m.name;
  st.bt.total_size = m.total;
  st.bt.files = m.files;
  auto first = st.rec.info_hash != m.info_hash;
  st.rec.info_hash = m.info_hash;
  st.rec.torrent_name = m.name;
  st.rec.torrent_files = static_cast<uint32_t>(m.files.size());
  st.rec.total_bytes = static_cast<int64_t>(m.wanted);
  if (st.at == phase::swarm && awaits_choice(self, m.files.size())) {
    wait_for_choice(self, m.files.size(), true);
    return;
  }
  if (first && st.rec.done_bytes == 0) {
    // Stored already? Then the torrent leaves the session untouched.
    std::optional<storage::cached_torrent> entry;
    {
      auto t = st.deps.db->read();
      entry = storage::find_cached_torrent(t, m.info_hash);
    }
    if (entry && cached_files(*entry, st.rec.spec.files)) {
      st.at = phase::storing;
      auto hash = m.info_hash;
      self->request(st.deps.torrents, session_timeout, atom::remove_v,
                    st.rec.seq, true)
          .then([=](caf::ok_atom) { cached_or_again(self, hash); },
                [=](caf::error&) { cached_or_again(self, hash); });
      return;
    }
  }
  persist_quietly(self);
}

void on_progress(task_ptr self, torrent_progress& p) {
  auto& st = self->state;
  st.speed = p.download_rate;
  st.bt.upload_speed = p.upload_rate;
  st.bt.uploaded = p.uploaded;
  st.bt.peers = p.peers;
  st.bt.seeds = p.seeds;
  st.bt.checking = p.checking;
  st.bt.peer_list = std::move(p.peer_list);
  if (st.bt.metadata == metadata_state::received) {
    st.rec.done_bytes = p.wanted_done;
    st.rec.total_bytes = static_cast<int64_t>(p.wanted_total);
    for (size_t i = 0; i < p.file_done.size() && i < st.bt.files.size(); ++i)
      st.bt.files[i].done = p.file_done[i];
  }
  fetch_progress fp;
  fp.seq = st.rec.seq;
  fp.done = st.rec.done_bytes;
  fp.total = st.rec.total_bytes;
  fp.speed = st.speed;
  fp.peers = static_cast<int32_t>(p.peers);
  if (st.bt.metadata == metadata_state::received)
    reserve_space(self, st.rec.total_bytes);
  self->send(st.deps.scheduler, atom::progress_v, std::move(fp));
}

} // namespace skyhaul::detail::bt
