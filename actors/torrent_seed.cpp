// Posts Skyhaul seeds itself: a post made from a finished task keeps a
// `post_seed` row (storage/rules/community.cpp), and the torrent session
// seeds its torrent from the stored blobs, without a task. The rows are the
// truth: every few seconds the session adds the seeds it lacks and removes
// those whose post or blob went, so seeding survives a restart and stops
// with the post or the blob, whoever removes them.
//
// libtorrent reads a torrent from its files under a save path, laid out as
// the torrent lists them; the blobs are content-addressed files. The seed's
// folder (`<data>/seeds/<pid>`) holds hard links of the blobs under the
// torrent's paths, as a task's finished torrent already seeds from the same
// inodes. The torrent is added in seed mode (no full check at a start; each
// piece is verified the first time a peer asks for it) and in upload mode,
// so it never writes into a stored blob.

#include "actors/torrent_session_state.hpp"

#include "actors/torrent_meta.hpp"
#include "actors/torrent_settings.hpp"
#include "protocol/settings.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/post_table.hpp"
#include "storage/seed_table.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <libtorrent/torrent_info.hpp>

namespace skyhaul::torrent_session_impl {

namespace {

namespace fs = std::filesystem;

/// How often the stored seeds are matched, and how long a failed seed
/// waits before it is tried again.
constexpr int64_t match_every_ms = 2000;
constexpr int64_t retry_failed_ms = 60000;

/// The announce base of Skyhaul's own tracker: `--tracker-url` when set
/// (how peers elsewhere reach it, so the tracker sees this seed's public
/// address), else the api listener as bound. The listeners bind after the
/// session started; main writes their addresses to `listen.json` once all
/// accept, so the session reads it there until it is known.
std::string own_tracker(session_state& st) {
  if (!st.cfg->tracker_url.empty())
    return st.cfg->tracker_url;
  if (!st.own_announce.empty())
    return st.own_announce;
  std::ifstream in{st.cfg->data_dir + "/listen.json"};
  std::string text{std::istreambuf_iterator<char>(in), {}};
  const std::string field = "\"api\":\"";
  auto from = text.find(field);
  if (from == std::string::npos)
    return {};
  from += field.size();
  auto to = text.find('"', from);
  if (to == std::string::npos || to == from)
    return {};
  auto addr = text.substr(from, to - from);
  // A wildcard listener is reached on loopback.
  if (addr.rfind("0.0.0.0:", 0) == 0)
    addr = "127.0.0.1" + addr.substr(7);
  else if (addr.rfind("[::]:", 0) == 0)
    addr = "[::1]" + addr.substr(4);
  st.own_announce = "http://" + addr + "/announce";
  return st.own_announce;
}

std::string seed_dir(const settings& cfg, uint64_t pid) {
  return cfg.data_dir + "/seeds/" + std::to_string(pid);
}

/// Every blob of the seed is still stored.
bool blobs_present(const storage::blob_store& blobs, const post_seed& seed) {
  for (auto& f : seed.files) {
    std::error_code err;
    if (!fs::exists(blobs.blob_path(f.blob), err))
      return false;
  }
  return true;
}

/// Lays the seed's blobs out under `dir` as `ti` lists its files; an
/// error text, empty on success. Files the task did not store stay
/// missing: their pieces fail the check and are never offered.
std::string link_files(const storage::blob_store& blobs,
                       const lt::torrent_info& ti, const post_seed& seed,
                       const std::string& dir) {
  std::error_code err;
  fs::remove_all(dir, err);
  auto& files = ti.files();
  size_t linked = 0;
  for (auto i : files.file_range()) {
    if (files.pad_file_at(i))
      continue;
    auto path = files.file_path(i);
    for (auto& f : seed.files) {
      if (f.path != path)
        continue;
      auto target = fs::path{dir} / path;
      fs::create_directories(target.parent_path(), err);
      fs::create_hard_link(blobs.blob_path(f.blob), target, err);
      if (err)
        return "cannot link " + f.blob + " to " + target.string() + ": "
               + err.message();
      ++linked;
      break;
    }
  }
  if (linked == 0)
    return "no stored file matches the torrent's files";
  return {};
}

/// Adds the seed of `seed`'s post: its metainfo `torrent`, announcing to
/// `announce` with the poster's `passkey`.
void add_seed(session_ptr self, const post_seed& seed,
              const std::string& torrent, const std::string& passkey,
              const std::string& announce) {
  auto& st = self->state;
  auto& cfg = *st.cfg;
  auto block = [&](const std::string& why) {
    std::cerr << "skyhauld: not seeding post " << seed.pid << ": " << why
              << "\n";
    st.seed_blocked[seed.pid] = now_ms() + retry_failed_ms;
  };
  std::shared_ptr<const lt::torrent_info> parsed;
  if (auto err = parse_metainfo(policy_dht_nodes(cfg, torrent),
                                cfg.bt_max_torrent_size, parsed))
    return block(message_of(err));
  // Only Skyhaul's own tracker: the stored copy may name the uploader's.
  auto ti = std::make_shared<lt::torrent_info>(*parsed);
  ti->clear_trackers();
  torrent_entry e;
  e.seq = seed_key(seed.pid);
  e.post = seed.pid;
  e.save_path = seed_dir(cfg, seed.pid);
  if (auto err = layout_of(*ti, {}, e.layout))
    return block(message_of(err));
  e.have_layout = true;
  e.ti = ti;
  e.info_hash = e.layout.meta.info_hash;
  if (auto why = link_files(*st.blobs, *ti, seed, e.save_path); !why.empty())
    return block(why);
  // The folder of links goes with the torrent.
  e.seeded = true;
  lt::add_torrent_params p;
  p.ti = ti;
  p.save_path = e.save_path;
  p.trackers = {announce + "/" + passkey};
  p.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused
               | lt::torrent_flags::apply_ip_filter);
  // Peers come only from Skyhaul's tracker, which hands out no address
  // the network policy refuses (actors/tracker.cpp); so the session's ip
  // filter, which would refuse the tracker itself on loopback, stays out.
  // The links are the stored objects, verified when they were stored:
  // seed mode skips the full check at every start and verifies each piece
  // the first time a peer asks for it (a piece that fails is not sent, and
  // the torrent then leaves seed mode for a full check).
  p.flags |= lt::torrent_flags::upload_mode | lt::torrent_flags::seed_mode
             | lt::torrent_flags::duplicate_is_error
             | lt::torrent_flags::disable_dht | lt::torrent_flags::disable_lsd
             | lt::torrent_flags::disable_pex;
  p.max_connections = static_cast<int>(cfg.bt_torrent_connections_limit);
  st.by_hash[e.info_hash] = e.seq;
  st.entries.emplace(e.seq, std::move(e));
  st.ses->async_add_torrent(std::move(p));
}

/// A stored seed with what its torrent needs.
struct wanted_seed {
  post_seed seed;
  std::string torrent;
  std::string passkey;
};

std::map<uint64_t, wanted_seed> stored_seeds(session_state& st) {
  std::map<uint64_t, wanted_seed> out;
  auto t = st.db->read();
  storage::scan_seeds(t, [&](const post_seed& s) {
    auto meta = storage::get_metainfo(t, s.pid);
    auto user = storage::get_user(t, s.author);
    if (meta && user)
      out[s.pid] = wanted_seed{s, meta->torrent, user->passkey};
    return true;
  });
  return out;
}

} // namespace

task_seq seed_key(uint64_t pid) {
  return (uint64_t{1} << 63) | pid;
}

void seed_failed(session_ptr self, torrent_entry& e, const std::string& why) {
  std::cerr << "skyhauld: seeding post " << e.post << " failed: " << why
            << "\n";
  self->state.seed_blocked[e.post] = now_ms() + retry_failed_ms;
}

void match_seeds(session_ptr self) {
  auto& st = self->state;
  auto now = now_ms();
  if (st.db == nullptr || st.flushing
      || now - st.last_seed_ms < match_every_ms)
    return;
  st.last_seed_ms = now;
  auto want = stored_seeds(st);
  for (auto& kvp : st.entries) {
    auto& e = kvp.second;
    if (e.post == 0 || stopping(e.phase))
      continue;
    auto i = want.find(e.post);
    if (i == want.end() || !blobs_present(*st.blobs, i->second.seed))
      remove_entry(self, e, false);
  }
  auto announce = own_tracker(st);
  if (announce.empty())
    return;
  for (auto& [pid, w] : want) {
    if (find(self, seed_key(pid)) != nullptr)
      continue;
    if (auto b = st.seed_blocked.find(pid); b != st.seed_blocked.end()) {
      if (b->second > now)
        continue;
      st.seed_blocked.erase(b);
    }
    if (!blobs_present(*st.blobs, w.seed))
      continue;
    if (auto* other = find_hash(self, w.seed.info_hash)) {
      // The task's own torrent, seeding on under the seeding policy,
      // gives way to the post's; a torrent still downloading is waited for.
      if (other->post == 0 && other->phase == torrent_phase::seeding)
        remove_entry(self, *other, false);
      continue;
    }
    add_seed(self, w.seed, w.torrent, w.passkey, announce);
  }
}

} // namespace skyhaul::torrent_session_impl
