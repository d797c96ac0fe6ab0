// The end of a BitTorrent task: the wanted files read back and hashed on
// a worker (every piece checked against the torrent's hashes), a bounded
// recheck when they fail, then their objects committed one by one.

#include "actors/torrent_task_steps.hpp"

#include "actors/torrent_files.hpp"
#include "actors/torrent_verify.hpp"
#include "protocol/object_key.hpp"
#include "protocol/settings.hpp"
#include "storage/blob_store.hpp"
#include "storage/no_space.hpp"

#include <caf/all.hpp>

namespace skyhaul::detail::bt {

namespace {

/// Rounds of "read back, find a bad piece, recheck, download again" before
/// the task gives up: a peer that keeps sending bad data is banned by
/// libtorrent, so more rounds mean the disk itself is failing.
constexpr uint32_t max_rechecks = 3;

/// The wanted files of the torrent, from the metadata.
std::vector<torrent_file_info> wanted_files(task_ptr self) {
  std::vector<torrent_file_info> out;
  for (auto& f : self->state.bt.files)
    if (f.wanted)
      out.push_back(f);
  return out;
}

} // namespace

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
  st.info_section = info_section;
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
    if (!defer_for_descriptors(self, err, [=] {
          hash_files(self, std::move(self->state.info_section));
        }))
      fail(self, storage::storage_error_code(err), err);
    return;
  }
  st.info_section.clear();
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

} // namespace skyhaul::detail::bt
