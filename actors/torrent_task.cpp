// The life of a BitTorrent task: the metainfo (fetched, uploaded or from
// the swarm), the torrent in the session, hashing the wanted files, and
// storing them as objects. The HTTP side of a task is in actors/task.cpp.

#include "actors/proxy_route.hpp"
#include "actors/task_internal.hpp"

#include "actors/torrent_files.hpp"
#include "actors/torrent_verify.hpp"
#include "protocol/object_key.hpp"
#include "protocol/settings.hpp"
#include "protocol/source.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/torrent_table.hpp"

#include <caf/all.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace skyhaul::detail {

namespace {

/// How often a task whose torrent another task has looks again.
constexpr auto busy_retry = std::chrono::seconds(2);

/// Rounds of "read back, find a bad piece, recheck, download again" before
/// the task gives up: a peer that keeps sending bad data is banned by
/// libtorrent, so more rounds mean the disk itself is failing.
constexpr uint32_t max_rechecks = 3;

/// Where a torrent task's `.torrent` is fetched to.
std::string metainfo_path(task_ptr self) {
  return self->state.deps.blobs->partial_dir(self->state.rec.seq)
         + "/.metainfo";
}

/// The wanted files of the torrent, from the metadata.
std::vector<torrent_file_info> wanted_files(task_ptr self) {
  std::vector<torrent_file_info> out;
  for (auto& f : self->state.bt.files)
    if (f.wanted)
      out.push_back(f);
  return out;
}

/// Commits `files[i...]` one after the other, then finishes the task.
/// `sources` holds the fsynced file of each (empty: the blob is stored).
void commit_from(task_ptr self, std::vector<file_record> files,
                 std::vector<std::string> sources, size_t i, bool link) {
  auto& st = self->state;
  if (i == files.size()) {
    if (link)
      self->send(st.deps.torrents, atom::seed_v, st.rec.seq);
    else
      remove_partial_later(st.deps, st.rec.seq);
    end(self, task_state::finished);
    return;
  }
  auto c = make_object_commit(st.rec, files[i], sources[i], link);
  commit_object(self, std::move(c), [=](file_record& stored) mutable {
    self->state.rec.files.push_back(std::move(stored));
    commit_from(self, std::move(files), std::move(sources), i + 1, link);
  });
}

/// Gives every file its object key; false (and the task failed) when a
/// torrent path makes an unusable key.
bool assign_keys(task_ptr self, std::vector<file_record>& files) {
  auto& spec = self->state.rec.spec;
  for (auto& f : files) {
    f.key = torrent_object_key(spec, f.name, files.size() == 1);
    if (auto why = check_object_key(f.key)) {
      fail(self, ec::download_source_exception,
           "the torrent file '" + f.name + "' makes an unusable key: "
               + *why);
      return false;
    }
  }
  return true;
}

/// Expected size and digests apply when the task stores one file.
bool verify_files(task_ptr self, const std::vector<file_record>& files) {
  auto& spec = self->state.rec.spec;
  auto expects = spec.size >= 0 || !spec.md5.empty() || !spec.sha1.empty()
                 || !spec.crc32.empty();
  if (!expects)
    return true;
  if (files.size() != 1) {
    fail(self, ec::invalid_argument,
         "expected size or digests need exactly one wanted file; the torrent "
         "has "
             + std::to_string(files.size()));
    return false;
  }
  ec code = ec::none;
  if (auto msg = verify(spec, files.front(), code); !msg.empty()) {
    fail(self, code, msg);
    return false;
  }
  return true;
}

/// Completes the task from the info-hash cache when it holds every wanted
/// file: no network, the objects reference the stored blobs.
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
  return a;
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

void start_swarm(task_ptr self) {
  auto& st = self->state;
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

/// Starts (or restarts after a backoff) whatever comes next.
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
  std::ifstream in{metainfo_path(self), std::ios::binary};
  std::stringstream buf;
  buf << in.rdbuf();
  auto bytes = buf.str();
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
    if (self->state.at == phase::fetching)
      start_swarm(self);
  });
}

/// The cache entry vanished meanwhile (its objects were deleted): the
/// torrent goes back into the session.
void cached_or_again(task_ptr self, const std::string& hash) {
  if (!try_cache(self, hash) && self->state.at == phase::storing)
    start_swarm(self);
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
  self->send(st.deps.scheduler, atom::progress_v, std::move(fp));
}

/// Reads the wanted files back on a detached worker (reading a large file
/// blocks, and cooperative actors must not): their digests, fsync, and
/// every piece checked against `info_section`'s hashes. Bytes that fail
/// come back as a `done` with `ec::checksum_mismatch`, never as files.
void hash_files(task_ptr self, std::string info_section) {
  auto& st = self->state;
  st.at = phase::hashing;
  st.speed = 0;
  auto folder = st.deps.blobs->partial_dir(st.rec.seq);
  std::vector<std::string> wanted;
  for (auto& f : wanted_files(self))
    wanted.push_back(f.path);
  auto seq = st.rec.seq;
  auto me = caf::actor_cast<task_actor>(self);
  self->spawn<caf::detached>([=](caf::event_based_actor*) {
    auto res = check_torrent_files(info_section, folder, wanted);
    if (res.corrupt) {
      torrent_result r;
      r.seq = seq;
      r.code = ec::checksum_mismatch;
      r.message = std::move(res.error);
      caf::anon_send(me, atom::done_v, std::move(r));
      return;
    }
    caf::anon_send(me, atom::finalize_v, std::move(res.files),
                   std::move(res.error));
  });
}

/// The files read back do not match the torrent: the torrent leaves the
/// session and comes back with a recheck, which finds the bad pieces and
/// downloads them again; bounded.
void recheck(task_ptr self, const std::string& why) {
  auto& st = self->state;
  if (++st.rechecks > max_rechecks) {
    fail(self, ec::checksum_mismatch,
         why + " (still after " + std::to_string(max_rechecks)
             + " rechecks)");
    return;
  }
  st.at = phase::backoff;
  self->request(st.deps.torrents, session_timeout, atom::remove_v,
                st.rec.seq, false)
      .then(
          [=](caf::ok_atom) {
            if (self->state.at == phase::backoff)
              start_swarm(self);
          },
          [=](caf::error& err) {
            fail(self, ec::internal_error,
                 "the torrent did not stop: " + message_of(err));
          });
}

void on_hashed(task_ptr self, std::vector<file_record>& files,
               std::string& err) {
  auto& st = self->state;
  if (!err.empty()) {
    fail(self, ec::internal_error, err);
    return;
  }
  for (auto& f : files)
    f.last_modified_ms = now_ms();
  if (!assign_keys(self, files) || !verify_files(self, files))
    return;
  std::vector<std::string> sources;
  auto folder = st.deps.blobs->partial_dir(st.rec.seq);
  for (auto& f : files)
    sources.push_back(folder + "/" + f.name);
  st.at = phase::storing;
  if (st.deps.cfg->bt_seed != "stop") {
    // Seeding goes on from the same inodes the objects now use.
    commit_from(self, std::move(files), std::move(sources), 0, true);
    return;
  }
  self->request(st.deps.torrents, session_timeout, atom::remove_v,
                st.rec.seq, false)
      .then(
          [=](caf::ok_atom) mutable {
            commit_from(self, std::move(files), std::move(sources), 0, false);
          },
          [=](caf::error& e) {
            fail(self, ec::internal_error,
                 "the torrent did not stop: " + message_of(e));
          });
}

} // namespace

task_actor::behavior_type torrent_task(task_ptr self) {
  auto& st = self->state;
  st.torrent = true;
  st.rec.files.clear();
  if (!st.rec.info_hash.empty()) {
    st.bt.info_hash = st.rec.info_hash;
    st.bt.name = st.rec.torrent_name;
  }
  bool cached = false;
  if (st.rec.spec.torrent.empty()
      && source_of(st.rec.spec) == source_kind::magnet) {
    if (auto hash = magnet_info_hash(st.rec.spec.url))
      cached = try_cache(self, *hash);
  }
  if (!cached && st.at != phase::ended)
    begin(self);
  return {
      [=](atom::progress, fetch_progress&) {},
      [=](atom::done, fetch_result& res) {
        if (self->state.at == phase::fetching && res.seq == self->state.rec.seq)
          on_metainfo(self, res);
      },
      [=](atom::meta, torrent_meta& m) {
        if (self->state.at == phase::swarm && m.seq == self->state.rec.seq)
          on_meta(self, m);
      },
      [=](atom::progress, torrent_progress& p) {
        if (self->state.at == phase::swarm && p.seq == self->state.rec.seq)
          on_progress(self, p);
      },
      [=](atom::done, torrent_result& r) {
        auto& st = self->state;
        if (r.seq != st.rec.seq)
          return;
        if (st.at == phase::hashing && r.code == ec::checksum_mismatch) {
          recheck(self, r.message);
          return;
        }
        if (st.at != phase::swarm)
          return;
        if (r.code != ec::none)
          fail(self, r.code, r.message);
        else
          hash_files(self, std::move(r.info_section));
      },
      [=](atom::finalize, std::vector<file_record>& files, std::string& err) {
        if (self->state.at == phase::hashing)
          on_hashed(self, files, err);
      },
      [=](atom::finalize, std::string&) {},
      [=](atom::timeout) {
        auto& st = self->state;
        if (st.at != phase::swarm || st.bt.metadata == metadata_state::received
            || std::chrono::steady_clock::now() + std::chrono::milliseconds(100)
                   < st.metadata_due)
          return;
        fail(self, ec::no_such_download_source,
             "the swarm sent no metadata for the magnet link within "
                 + std::to_string(st.deps.cfg->bt_metadata_timeout_s) + " s");
      },
      [=](atom::retry) {
        if (self->state.at == phase::backoff)
          begin(self);
      },
      [=](atom::status) -> task_status { return status_of(self); },
      [=](atom::pause) -> caf::result<task_record> {
        auto& st = self->state;
        if (st.at == phase::ended)
          return when_settled(self);
        if (st.at == phase::hashing || st.at == phase::storing)
          return make_error(ec::invalid_state,
                            "the task is finishing and cannot be paused");
        auto was = st.at;
        st.at = phase::ended;
        st.speed = 0;
        auto reply = when_settled(self);
        if (was != phase::swarm) {
          self->send(st.deps.fetch, atom::stop_v, st.rec.seq);
          settle(self, task_state::paused);
          return reply;
        }
        // Settles once the clean resume data is stored and the torrent
        // left the session, so a quick resume finds it gone.
        self->request(st.deps.torrents, session_timeout,
                      atom::pause_v, st.rec.seq)
            .then([=](caf::ok_atom) { settle(self, task_state::paused); },
                  [=](caf::error& err) { give_up(self, err); });
        return reply;
      },
      [=](atom::cancel, bool del_file) -> caf::result<task_record> {
        auto& st = self->state;
        if (st.at == phase::ended)
          return when_settled(self);
        st.at = phase::ended;
        self->send(st.deps.fetch, atom::stop_v, st.rec.seq);
        auto reply = when_settled(self);
        auto finish = [=] {
          if (del_file)
            remove_partial_later(self->state.deps, self->state.rec.seq);
          settle(self, task_state::cancelled);
        };
        self->request(st.deps.torrents, session_timeout,
                      atom::remove_v, st.rec.seq, del_file)
            .then([=](caf::ok_atom) { finish(); },
                  [=](caf::error&) { finish(); });
        return reply;
      },
  };
}

} // namespace skyhaul::detail
