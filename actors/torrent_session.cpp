// The torrent session actor: one lt::session, its alerts pumped into values
// and routed to the torrent of each task (torrent_events.cpp), resume data
// to the store. How a torrent is configured and added is in
// torrent_settings.cpp and torrent_add.cpp; the record of each torrent is
// torrent_entry.hpp, the actor's state torrent_session_state.hpp.

#include "actors/torrent_session.hpp"

#include "actors/timeouts.hpp"
#include "actors/torrent_add.hpp"
#include "actors/torrent_session_state.hpp"
#include "actors/torrent_settings.hpp"
#include "protocol/settings.hpp"
#include "storage/lmdb_env.hpp"

#include <caf/all.hpp>
#include <filesystem>
#include <iostream>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>

namespace skyhaul {

namespace torrent_session_impl {

torrent_entry* find(session_ptr self, task_seq seq) {
  auto i = self->state.entries.find(seq);
  return i == self->state.entries.end() ? nullptr : &i->second;
}

torrent_entry* find_hash(session_ptr self, const std::string& hash) {
  auto i = self->state.by_hash.find(hash);
  return i == self->state.by_hash.end() ? nullptr : find(self, i->second);
}

torrent_entry* find_handle(session_ptr self, const lt::torrent_handle& h) {
  auto i = self->state.by_handle.find(h);
  if (i == self->state.by_handle.end())
    return nullptr;
  auto* e = find(self, i->second);
  return e != nullptr && e->handle == h ? e : nullptr;
}

torrent_entry* route(session_ptr self, const std::string& hash,
                     const lt::torrent_handle& h) {
  // By info-hash when the alert names one and its handle is the entry's
  // current one. Otherwise by handle: most alerts name no hash, and a
  // magnet link that names only the v2 hash of a hybrid torrent learns its
  // v1 hash with the metadata, so the alerts after it name another hash
  // than the one the entry is filed under.
  if (!hash.empty())
    if (auto* e = find_hash(self, hash); e != nullptr && e->handle == h) {
      auto i = self->state.by_handle.find(h);
      if (i != self->state.by_handle.end() && i->second == e->seq)
        return e;
    }
  return find_handle(self, h);
}

void set_handle(session_ptr self, torrent_entry& e, lt::torrent_handle h) {
  auto& st = self->state;
  if (auto i = st.by_handle.find(e.handle);
      i != st.by_handle.end() && i->second == e.seq)
    st.by_handle.erase(i);
  e.handle = std::move(h);
  // Counts of saves and flushes belong to one handle: answers to an old
  // one are dropped.
  e.saves_asked = e.saves_answered = 0;
  e.clean_from = UINT64_MAX;
  e.flushes_asked = e.flushes_answered = 0;
  e.done_flush = e.clean_flush = 0;
  if (e.handle.is_valid())
    st.by_handle[e.handle] = e.seq;
}

void forget(session_ptr self, task_seq seq) {
  auto& st = self->state;
  auto i = st.entries.find(seq);
  if (i == st.entries.end())
    return;
  auto j = st.by_hash.find(i->second.info_hash);
  if (j != st.by_hash.end() && j->second == seq)
    st.by_hash.erase(j);
  auto k = st.by_handle.find(i->second.handle);
  if (k != st.by_handle.end() && k->second == seq)
    st.by_handle.erase(k);
  st.entries.erase(i);
}

void report_done(session_ptr self, torrent_entry& e, ec code,
                 std::string msg) {
  // A post's seed has no task to tell.
  if (!before_done(e.phase) || e.post != 0)
    return;
  e.phase = torrent_phase::done;
  torrent_result res;
  res.seq = e.seq;
  res.code = code;
  res.message = std::move(msg);
  if (code == ec::none && e.ti) {
    auto info = e.ti->info_section();
    res.info_section.assign(info.data(), static_cast<size_t>(info.size()));
    if (e.magnet) {
      // The task keeps no metainfo of a magnet link; posting it needs
      // this. Stored before the task's final record, which comes after
      // the files are read back.
      self->request(self->state.store, store_timeout, atom::meta_v,
                    e.layout.meta.info_hash, res.info_section)
          .then([](caf::ok_atom) {},
                [](caf::error& err) {
                  std::cerr << "skyhauld: a magnet link's metadata was not "
                               "kept: "
                            << caf::to_string(err) << "\n";
                });
    }
  }
  self->send(e.listener, atom::done_v, std::move(res));
}

void flush_answered(session_ptr self, task_seq seq) {
  auto& st = self->state;
  if (!st.flushing || st.flush_waiting.erase(seq) == 0)
    return;
  if (st.flush_waiting.empty() && st.flush_rp.pending())
    st.flush_rp.deliver(caf::ok_atom_v);
}

void save_resume(torrent_entry& e, bool clean, bool periodic) {
  if (!e.handle.is_valid())
    return;
  ++e.saves_asked;
  if (clean && e.clean_from == UINT64_MAX)
    e.clean_from = e.saves_asked;
  auto flags = lt::torrent_handle::save_info_dict;
  if (clean)
    flags |= lt::torrent_handle::flush_disk_cache;
  if (periodic)
    flags |= lt::torrent_handle::only_if_modified;
  e.handle.save_resume_data(flags);
}

uint64_t flush(torrent_entry& e) {
  e.handle.flush_cache();
  return ++e.flushes_asked;
}

void clean_save(torrent_entry& e) {
  if (!e.handle.is_valid())
    return;
  if (!e.have_layout || e.phase == torrent_phase::magnet) {
    // No piece was asked for yet (and without metadata there is no
    // storage to flush, so no alert would come).
    save_resume(e, true);
    return;
  }
  e.clean_flush = flush(e);
}

void remove_now(session_ptr self, torrent_entry& e) {
  lt::remove_flags_t flags{};
  if (e.delete_files)
    flags = lt::session::delete_files;
  self->state.ses->remove_torrent(e.handle, flags);
}

void pause_entry(session_ptr self, torrent_entry& e) {
  if (stopping(e.phase))
    return;
  e.phase = torrent_phase::pausing;
  // Before the add answers, `on_added` goes on from here.
  clean_save(e);
}

void remove_entry(session_ptr self, torrent_entry& e, bool delete_files) {
  e.delete_files = e.delete_files || delete_files;
  if (e.phase == torrent_phase::removing)
    return;
  e.phase = torrent_phase::removing;
  if (e.handle.is_valid())
    remove_now(self, e);
}

void send_meta(session_ptr self, torrent_entry& e) {
  auto meta = e.layout.meta;
  meta.seq = e.seq;
  self->send(e.listener, atom::meta_v, std::move(meta));
}

} // namespace torrent_session_impl

namespace {

using namespace torrent_session_impl;

constexpr auto tick_interval = std::chrono::seconds(1);

void check_seeding(session_ptr self) {
  auto& cfg = *self->state.cfg;
  auto now = now_ms();
  for (auto& kvp : self->state.entries) {
    auto& e = kvp.second;
    // A post's seed lasts as long as the post (actors/torrent_seed.cpp).
    if (e.phase != torrent_phase::seeding || e.post != 0)
      continue;
    bool over = cfg.bt_seed == "time"
                  ? now - e.seed_start_ms
                      >= int64_t{cfg.bt_seed_time_s} * 1000
                  : static_cast<double>(e.uploaded)
                      >= cfg.bt_seed_ratio
                           * static_cast<double>(e.layout.meta.wanted);
    if (over || cfg.bt_seed == "stop")
      remove_entry(self, e, false);
  }
}

caf::result<caf::ok_atom> start(session_ptr self, torrent_add& req,
                                torrent_listener_actor& listener) {
  auto& st = self->state;
  if (st.flushing)
    return make_error(ec::aborted, "the torrent session is stopping");
  if (find(self, req.seq) != nullptr)
    return make_error(ec::invalid_state,
                      "the torrent of this task is still being stopped");
  torrent_entry e;
  e.seq = req.seq;
  e.listener = listener;
  e.task = listener.address();
  e.save_path = req.save_path;
  e.wanted = req.files;
  e.magnet = req.metainfo.empty();
  e.pick_files = req.pick_files;
  lt::add_torrent_params p;
  if (auto err = make_params(*st.cfg, req, e, p))
    return err;
  // With the files known, a torrent that cannot fit is refused before a
  // byte is written: libtorrent would fill the disk to its last byte, and
  // then the failure itself could not be stored.
  if (e.have_layout)
    if (auto why
        = lacks_space(req.save_path,
                      bytes_still_needed(req.save_path, e.layout.meta.files));
        !why.empty())
      return make_error(ec::insufficient_storage, std::move(why));
  if (auto* other = find_hash(self, e.info_hash))
    return make_error(ec::invalid_state,
                      "the torrent " + e.info_hash
                          + (other->post != 0
                                 ? " is seeded for post "
                                       + std::to_string(other->post)
                                 : " is already being downloaded by task "
                                       + format_tid(other->seq)));
  std::error_code err;
  std::filesystem::create_directories(req.save_path, err);
  e.start_rp = self->make_response_promise<caf::ok_atom>();
  auto rp = e.start_rp;
  self->monitor(listener);
  st.by_hash[e.info_hash] = e.seq;
  st.entries.emplace(e.seq, std::move(e));
  st.ses->async_add_torrent(std::move(p));
  return rp;
}

/// The task chose its wanted files anew: checked against the torrent's
/// metadata, and the layout it would have replied. The torrent itself is
/// left as it is: the task re-adds it with the choice (a pause, then a
/// start), the path every resume takes. Changing the file priorities of
/// the running torrent instead made libtorrent 2.0.8 now and then take the
/// torrent for finished while files it had just been given were missing,
/// and drop its seeds for good.
caf::result<torrent_meta> choose(session_ptr self, task_seq seq,
                                 const std::vector<std::string>& names) {
  auto* e = find(self, seq);
  if (e == nullptr || e->post != 0 || stopping(e->phase))
    return make_error(ec::invalid_state, "the task's torrent is not running");
  if (!e->have_layout || !e->ti || e->phase == torrent_phase::magnet)
    return make_error(ec::invalid_state,
                      "the torrent's metadata is not known yet");
  if (e->phase != torrent_phase::downloading || !e->handle.is_valid())
    return make_error(ec::invalid_state,
                      e->phase == torrent_phase::adding
                              || e->phase == torrent_phase::readding
                          ? "the torrent is being added: choose again in a "
                            "moment"
                          : "every wanted piece is in: the files are being "
                            "stored");
  torrent_layout fresh;
  if (auto err = layout_of(*e->ti, names, fresh))
    return make_error(ec::invalid_argument, message_of(err));
  auto meta = fresh.meta;
  meta.seq = seq;
  return meta;
}

/// Graceful stop: a clean save of every torrent still in the session.
caf::result<caf::ok_atom> flush_all(session_ptr self) {
  auto& st = self->state;
  st.flushing = true;
  st.flush_rp = self->make_response_promise<caf::ok_atom>();
  auto rp = st.flush_rp;
  for (auto& kvp : st.entries) {
    auto& e = kvp.second;
    if (e.phase == torrent_phase::seeding
        || e.phase == torrent_phase::removing || !e.handle.is_valid())
      continue;
    st.flush_waiting.insert(e.seq);
    clean_save(e);
  }
  if (st.flush_waiting.empty())
    st.flush_rp.deliver(caf::ok_atom_v);
  return rp;
}

void tick(session_ptr self) {
  auto& st = self->state;
  st.ses->post_torrent_updates(lt::torrent_handle::query_pieces);
  st.ses->post_session_stats();
  auto now = now_ms();
  if (now - st.last_resume_ms
      >= int64_t{st.cfg->bt_resume_interval_s} * 1000) {
    st.last_resume_ms = now;
    for (auto& kvp : st.entries) {
      auto& e = kvp.second;
      if (!stopping(e.phase) && e.phase != torrent_phase::seeding
          && e.phase != torrent_phase::readding)
        save_resume(e, false, true);
    }
  }
  check_seeding(self);
  match_seeds(self);
  self->delayed_send(self, tick_interval, caf::tick_atom_v);
}

torrent_session_actor::behavior_type
torrent_session(session_ptr self, const settings* cfg, store_actor store,
                storage::lmdb_env* db) {
  auto& st = self->state;
  st.cfg = cfg;
  st.store = std::move(store);
  st.db = db;
  st.blobs = std::make_unique<storage::blob_store>(cfg->data_dir);
  lt::session_params params{make_settings(*cfg)};
  st.ses = std::make_unique<lt::session>(std::move(params));
  if (!cfg->allow_private_networks) {
    auto pack = lt::settings_pack{};
    pack.set_bool(lt::settings_pack::apply_ip_filter_to_trackers, true);
    st.ses->apply_settings(std::move(pack));
    st.ses->set_ip_filter(private_filter(*cfg));
  }
  auto me = caf::actor_cast<torrent_session_actor>(self);
  // Runs on a libtorrent thread: it only posts a message.
  st.ses->set_alert_notify([me] { caf::anon_send(me, atom::wake_v); });
  st.last_resume_ms = now_ms();
  self->delayed_send(self, tick_interval, caf::tick_atom_v);
  self->set_down_handler([=](caf::down_msg& msg) {
    // A task that dies (crash, shutdown) leaves its torrent resumable.
    for (auto& kvp : self->state.entries)
      if (kvp.second.task == msg.source
          && kvp.second.phase != torrent_phase::seeding)
        pause_entry(self, kvp.second);
  });
  return {
      [=](atom::start, torrent_add& req,
          torrent_listener_actor& listener) -> caf::result<caf::ok_atom> {
        return start(self, req, listener);
      },
      [=](atom::pause, task_seq seq) -> caf::result<caf::ok_atom> {
        auto* e = find(self, seq);
        if (e == nullptr)
          return caf::ok_atom_v;
        auto rp = self->make_response_promise<caf::ok_atom>();
        e->on_removed.push_back(rp);
        pause_entry(self, *e);
        return rp;
      },
      [=](atom::remove, task_seq seq,
          bool delete_files) -> caf::result<caf::ok_atom> {
        auto* e = find(self, seq);
        if (e == nullptr)
          return caf::ok_atom_v;
        auto rp = self->make_response_promise<caf::ok_atom>();
        e->on_removed.push_back(rp);
        remove_entry(self, *e, delete_files);
        return rp;
      },
      [=](atom::seed, task_seq seq) {
        if (auto* e = find(self, seq)) {
          e->seeded = true;
          e->seed_start_ms = now_ms();
          if (!stopping(e->phase))
            e->phase = torrent_phase::seeding;
        }
      },
      [=](caf::put_atom, task_seq seq, std::vector<std::string>& names)
          -> caf::result<torrent_meta> { return choose(self, seq, names); },
      [=](atom::flush) -> caf::result<caf::ok_atom> {
        return flush_all(self);
      },
      [=](atom::wake) { pump(self); },
      [=](caf::tick_atom) { tick(self); },
  };
}

} // namespace

torrent_session_actor spawn_torrent_session(caf::actor_system& sys,
                                            const settings* cfg,
                                            store_actor store,
                                            storage::lmdb_env* db) {
  return sys.spawn<caf::detached>(torrent_session, cfg, std::move(store), db);
}

} // namespace skyhaul
