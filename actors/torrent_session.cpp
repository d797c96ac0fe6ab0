// The torrent session actor: one lt::session, its alerts pumped into values
// and routed to the torrent of each task, resume data to the store. How a
// torrent is configured and added is in torrent_settings.cpp and
// torrent_add.cpp; the record of each torrent is torrent_entry.hpp.

#include "actors/torrent_session.hpp"

#include "actors/torrent_add.hpp"
#include "actors/torrent_alerts.hpp"
#include "actors/torrent_entry.hpp"
#include "actors/torrent_meta.hpp"
#include "actors/torrent_settings.hpp"
#include "protocol/settings.hpp"

#include <caf/all.hpp>
#include <filesystem>
#include <libtorrent/alert.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>
#include <map>
#include <set>
#include <unordered_map>

namespace skyhaul {

namespace {

constexpr auto store_timeout = std::chrono::seconds(60);
constexpr auto tick_interval = std::chrono::seconds(1);

struct session_state {
  static inline const char* name = "torrent_session";
  const settings* cfg = nullptr;
  store_actor store;
  std::unique_ptr<lt::session> ses;
  std::map<task_seq, torrent_entry> entries;
  /// Routing: alerts that name the info-hash go through `by_hash`, the
  /// others through `by_handle` (ordered by libtorrent's own handle
  /// order, which stays stable after the torrent is gone). Either way the
  /// alert's handle must be the entry's current one: an alert of a handle
  /// that was removed (a magnet link's first add) never counts for the
  /// torrent added after it.
  std::unordered_map<std::string, task_seq> by_hash;
  std::map<lt::torrent_handle, task_seq> by_handle;
  int64_t last_resume_ms = 0;
  /// A graceful stop in progress: the tasks whose clean save is awaited.
  bool flushing = false;
  std::set<task_seq> flush_waiting;
  ok_promise flush_rp;

  ~session_state() {
    if (ses)
      ses->set_alert_notify([] {});
  }
};

using session_ptr = torrent_session_actor::stateful_pointer<session_state>;

torrent_entry* find(session_ptr self, task_seq seq) {
  auto i = self->state.entries.find(seq);
  return i == self->state.entries.end() ? nullptr : &i->second;
}

torrent_entry* find_hash(session_ptr self, const std::string& hash) {
  auto i = self->state.by_hash.find(hash);
  return i == self->state.by_hash.end() ? nullptr : find(self, i->second);
}

/// The entry whose current handle is `h`.
torrent_entry* find_handle(session_ptr self, const lt::torrent_handle& h) {
  auto i = self->state.by_handle.find(h);
  if (i == self->state.by_handle.end())
    return nullptr;
  auto* e = find(self, i->second);
  return e != nullptr && e->handle == h ? e : nullptr;
}

/// The entry of `hash` when `h` is its current handle.
torrent_entry* find_current(session_ptr self, const std::string& hash,
                            const lt::torrent_handle& h) {
  auto* e = find_hash(self, hash);
  return e != nullptr && e->handle.is_valid() && e->handle == h ? e : nullptr;
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

/// Tells the task how its torrent ended; once, and never after a stop.
void report_done(session_ptr self, torrent_entry& e, ec code,
                 std::string msg) {
  if (!before_done(e.phase))
    return;
  e.phase = torrent_phase::done;
  torrent_result res;
  res.seq = e.seq;
  res.code = code;
  res.message = std::move(msg);
  if (code == ec::none && e.ti) {
    auto info = e.ti->info_section();
    res.info_section.assign(info.data(), static_cast<size_t>(info.size()));
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

/// Asks for resume data; periodic saves only when something changed.
/// `clean` marks a stop (its answer and every later one count as clean).
void save_resume(torrent_entry& e, bool clean, bool periodic = false) {
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

/// Has libtorrent write every block it queued for `e` so far; the answer is
/// a `cache_flushed_alert`, and the index returned counts it.
uint64_t flush(torrent_entry& e) {
  e.handle.flush_cache();
  return ++e.flushes_asked;
}

/// A save that counts as clean: resume data that lists a piece whose
/// writes never reached the file would skip the recheck after a crash, so
/// the writes are flushed first (see `on_update`) when there may be any.
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

/// A clean stop: clean resume data, stored, then the torrent goes.
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

// -- events -------------------------------------------------------------------

void on_added(session_ptr self, torrent_event& ev) {
  auto* e = find_hash(self, ev.info_hash);
  if (e == nullptr || e->handle.is_valid()) {
    // A task that went while its add was in flight.
    if (ev.code == ec::none && ev.handle.is_valid())
      self->state.ses->remove_torrent(ev.handle);
    return;
  }
  if (ev.code != ec::none) {
    auto msg = ev.code == ec::invalid_state
                   ? "the torrent " + ev.info_hash
                         + " is already being downloaded"
                   : "libtorrent refused the torrent: " + ev.message;
    if (e->start_rp.pending())
      e->start_rp.deliver(make_error(ev.code, msg));
    else
      report_done(self, *e, ev.code, msg);
    for (auto& rp : e->on_removed)
      rp.deliver(caf::ok_atom_v);
    flush_answered(self, e->seq);
    forget(self, e->seq);
    return;
  }
  set_handle(self, *e, ev.handle);
  if (e->recheck) {
    // Pieces the resume data lists may never have reached the disk.
    e->recheck = false;
    e->handle.force_recheck();
  }
  if (e->start_rp.pending())
    e->start_rp.deliver(caf::ok_atom_v);
  if (e->phase == torrent_phase::removing) {
    remove_now(self, *e);
    return;
  }
  if (e->phase == torrent_phase::pausing) {
    clean_save(*e);
    return;
  }
  if (!e->have_layout) {
    e->phase = torrent_phase::magnet;
    return;
  }
  e->phase = torrent_phase::downloading;
  send_meta(self, *e);
  // The metadata is on disk before any piece: a restart needs no swarm.
  save_resume(*e, false);
}

/// The metadata of a magnet link is in (carried by a resume-data save):
/// check it, choose the files, and add the torrent again with them.
void on_magnet_metadata(session_ptr self, torrent_entry& e,
                        std::shared_ptr<const lt::torrent_info> ti) {
  auto& cfg = *self->state.cfg;
  auto fail = [&](ec code, std::string msg) {
    report_done(self, e, code, std::move(msg));
    remove_entry(self, e, true);
  };
  if (static_cast<uint64_t>(ti->metadata_size()) > cfg.bt_max_torrent_size)
    return fail(ec::download_source_exception,
                "the torrent's metadata is larger than "
                    + std::to_string(cfg.bt_max_torrent_size) + " bytes");
  if (auto why = unsafe_torrent_paths(*ti); !why.empty())
    return fail(ec::download_source_exception,
                "bad torrent: unsafe file path: " + why);
  if (auto err = layout_of(*ti, e.wanted, e.layout))
    return fail(code_of(err), message_of(err));
  e.have_layout = true;
  e.ti = ti;
  e.phase = torrent_phase::readding;
  e.readd.ti = std::const_pointer_cast<lt::torrent_info>(ti);
  e.readd.file_priorities.clear();
  for (auto p : e.layout.priorities)
    e.readd.file_priorities.push_back(lt::download_priority_t{p});
  e.readd.flags &= ~lt::torrent_flags::default_dont_download;
  self->state.ses->remove_torrent(e.handle);
}

void on_resume(session_ptr self, torrent_event& ev) {
  // A failed save names no info-hash.
  auto* e = ev.info_hash.empty()
                ? find_handle(self, ev.handle)
                : find_current(self, ev.info_hash, ev.handle);
  if (e == nullptr)
    return;
  auto index = ++e->saves_answered;
  auto clean = index >= e->clean_from;
  if (e->phase == torrent_phase::magnet && ev.ti && ev.code == ec::none) {
    on_magnet_metadata(self, *e, ev.ti);
    return;
  }
  auto seq = e->seq;
  auto after = [self, seq, clean] {
    auto* e = find(self, seq);
    if (e == nullptr || !clean)
      return;
    flush_answered(self, seq);
    if (e->phase == torrent_phase::pausing) {
      e->phase = torrent_phase::removing;
      remove_now(self, *e);
    }
  };
  if (ev.code != ec::none) {
    after();
    return;
  }
  self->request(self->state.store, store_timeout, atom::resumedata_v, seq,
                std::move(ev.resume), clean)
      .then([after](caf::ok_atom) { after(); },
            [after](caf::error&) { after(); });
}

void on_removed(session_ptr self, torrent_event& ev) {
  auto* e = find_hash(self, ev.info_hash);
  if (e == nullptr)
    return;
  if (e->phase == torrent_phase::readding) {
    set_handle(self, *e, lt::torrent_handle{});
    e->phase = torrent_phase::adding;
    self->state.ses->async_add_torrent(e->readd);
    return;
  }
  for (auto& rp : e->on_removed)
    rp.deliver(caf::ok_atom_v);
  if (e->seeded) {
    // The files live on as hard links in the blob store; the folder goes.
    auto path = e->save_path;
    self->spawn<caf::detached>([path](caf::event_based_actor*) {
      std::error_code err;
      std::filesystem::remove_all(path, err);
    });
  }
  flush_answered(self, e->seq);
  forget(self, e->seq);
}

void on_update(session_ptr self, torrent_event& ev) {
  for (auto& s : ev.statuses) {
    auto* e = find_current(self, s.info_hash, s.handle);
    if (e == nullptr)
      continue;
    e->uploaded = s.uploaded;
    if (stopping(e->phase) || e->phase == torrent_phase::seeding
        || e->phase == torrent_phase::readding)
      continue;
    torrent_progress p;
    p.seq = e->seq;
    p.download_rate = s.download_rate;
    p.upload_rate = s.upload_rate;
    p.uploaded = s.uploaded;
    p.peers = s.peers;
    p.seeds = s.seeds;
    p.checking = s.checking;
    auto files = e->have_layout && e->phase != torrent_phase::magnet;
    if (files) {
      p.file_done = file_done(e->layout.spans, e->layout.piece_length,
                              s.pieces);
      p.wanted_total = e->layout.meta.wanted;
      for (size_t i = 0; i < p.file_done.size(); ++i)
        if (e->layout.meta.files[i].wanted)
          p.wanted_done += p.file_done[i];
    }
    auto complete = files && !s.checking && !s.pieces.empty()
                    && p.wanted_done == p.wanted_total;
    self->send(e->listener, atom::progress_v, std::move(p));
    if (complete && e->phase == torrent_phase::downloading) {
      // A piece counts as had once its hash passed, and libtorrent 2.0
      // hashes a piece from its store buffer while the writes of its
      // blocks may still wait in the disk queue. A resume-data save with
      // `flush_disk_cache` does not wait for them: it only issues a
      // release of the files and posts its alert at once. `flush_cache()`
      // is a fence job behind every write queued so far, and its
      // `cache_flushed_alert` comes once they all reached the files.
      e->phase = torrent_phase::flushing;
      e->done_flush = flush(*e);
    }
  }
}

/// Every write queued before a flush reached the files.
void on_flushed(session_ptr self, torrent_event& ev) {
  auto* e = find_handle(self, ev.handle);
  if (e == nullptr)
    return;
  auto index = ++e->flushes_answered;
  if (e->clean_flush != 0 && index >= e->clean_flush) {
    e->clean_flush = 0;
    save_resume(*e, true);
  }
  if (e->phase != torrent_phase::flushing || index < e->done_flush)
    return;
  report_done(self, *e, ec::none, {});
  // The resume data says every wanted piece is there: a restart before the
  // objects are stored needs no swarm.
  save_resume(*e, false);
}

void on_error(session_ptr self, torrent_event& ev) {
  auto* e = find_handle(self, ev.handle);
  if (e == nullptr || stopping(e->phase))
    return;
  report_done(self, *e, ev.code, ev.message);
  remove_entry(self, *e, false);
}

void pump(session_ptr self) {
  std::vector<lt::alert*> alerts;
  self->state.ses->pop_alerts(&alerts);
  // Values first: the alerts die with the next pop_alerts.
  std::vector<torrent_event> events;
  for (auto* a : alerts)
    if (auto ev = to_event(a))
      events.push_back(std::move(*ev));
  for (auto& ev : events) {
    using k = torrent_event::kind;
    switch (ev.what) {
      case k::added:
        on_added(self, ev);
        break;
      case k::finished:
        // Confirmed by the pieces of the next state update.
        self->state.ses->post_torrent_updates(
            lt::torrent_handle::query_pieces);
        break;
      case k::removed:
        on_removed(self, ev);
        break;
      case k::metadata:
        if (auto* e = find_handle(self, ev.handle))
          save_resume(*e, false);
        break;
      case k::resume:
        on_resume(self, ev);
        break;
      case k::error:
        on_error(self, ev);
        break;
      case k::update:
        on_update(self, ev);
        break;
      case k::flushed:
        on_flushed(self, ev);
        break;
    }
  }
}

void check_seeding(session_ptr self) {
  auto& cfg = *self->state.cfg;
  auto now = now_ms();
  for (auto& kvp : self->state.entries) {
    auto& e = kvp.second;
    if (e.phase != torrent_phase::seeding)
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
  lt::add_torrent_params p;
  if (auto err = make_params(*st.cfg, req, e, p))
    return err;
  if (auto* other = find_hash(self, e.info_hash))
    return make_error(ec::invalid_state,
                      "the torrent " + e.info_hash
                          + " is already being downloaded by task "
                          + format_tid(other->seq));
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
  self->delayed_send(self, tick_interval, caf::tick_atom_v);
}

torrent_session_actor::behavior_type
torrent_session(session_ptr self, const settings* cfg, store_actor store) {
  auto& st = self->state;
  st.cfg = cfg;
  st.store = std::move(store);
  lt::session_params params{make_settings(*cfg)};
  st.ses = std::make_unique<lt::session>(std::move(params));
  if (!cfg->allow_private_networks) {
    auto pack = lt::settings_pack{};
    pack.set_bool(lt::settings_pack::apply_ip_filter_to_trackers, true);
    st.ses->apply_settings(std::move(pack));
    st.ses->set_ip_filter(private_filter());
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
                                            store_actor store) {
  return sys.spawn<caf::detached>(torrent_session, cfg, std::move(store));
}

} // namespace skyhaul
