#include "actors/torrent_session.hpp"

#include "actors/net_policy.hpp"
#include "actors/torrent_alerts.hpp"
#include "actors/torrent_meta.hpp"
#include "protocol/settings.hpp"
#include "protocol/source.hpp"

#include <caf/all.hpp>
#include <filesystem>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace skyhaul {

namespace {

constexpr auto store_timeout = std::chrono::seconds(60);
constexpr auto tick_interval = std::chrono::seconds(1);

using ok_promise = caf::typed_response_promise<caf::ok_atom>;

/// A torrent of one task, from the add until libtorrent removed it.
struct torrent_entry {
  task_seq seq = 0;
  torrent_listener_actor listener;
  caf::actor_addr task;
  /// Invalid until libtorrent accepted the add.
  lt::torrent_handle handle;
  std::string info_hash;
  std::string save_path;
  std::vector<std::string> wanted;
  /// The layout and selection, once the metadata is known.
  bool have_layout = false;
  torrent_layout layout;
  /// Added from a magnet link without metadata; once the metadata is in,
  /// the torrent is removed and added again with its files chosen, so no
  /// piece of an unwanted file is ever asked for.
  bool magnet_phase = false;
  bool readd_pending = false;
  lt::add_torrent_params readd;
  bool recheck = false;
  /// The reply to the task's `start`, until libtorrent answers.
  bool start_pending = false;
  ok_promise start_rp;
  bool done_sent = false;
  /// Every wanted piece is verified: the index of the flushing save whose
  /// answer tells the task (0: not yet).
  uint64_t flush_at = 0;
  /// Resume data saves asked for and answered, in order; answers from
  /// index `clean_from` on were asked for at a clean stop.
  uint64_t saves_asked = 0;
  uint64_t saves_answered = 0;
  uint64_t clean_from = UINT64_MAX;
  /// Stopping: pausing (clean save, then remove) or removing.
  bool pausing = false;
  bool removing = false;
  /// Pause or remove asked for before libtorrent answered the add.
  bool stop_after_add = false;
  bool delete_files = false;
  std::vector<ok_promise> on_removed;
  /// Seeding after the task stored the files; the folder goes at the end.
  bool seeding = false;
  int64_t seed_start_ms = 0;
  uint64_t uploaded = 0;
};

struct session_state {
  static inline const char* name = "torrent_session";
  const settings* cfg = nullptr;
  store_actor store;
  std::unique_ptr<lt::session> ses;
  std::map<task_seq, torrent_entry> entries;
  std::unordered_map<std::string, task_seq> by_hash;
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

lt::settings_pack make_settings(const settings& cfg) {
  lt::settings_pack p;
  p.set_str(lt::settings_pack::listen_interfaces, cfg.bt_listen);
  p.set_bool(lt::settings_pack::enable_dht, cfg.bt_dht);
  p.set_bool(lt::settings_pack::enable_lsd, cfg.bt_lsd);
  p.set_bool(lt::settings_pack::enable_upnp, cfg.bt_port_mapping);
  p.set_bool(lt::settings_pack::enable_natpmp, cfg.bt_port_mapping);
  int policy = lt::settings_pack::pe_enabled;
  if (cfg.bt_encryption == "forced")
    policy = lt::settings_pack::pe_forced;
  else if (cfg.bt_encryption == "disabled")
    policy = lt::settings_pack::pe_disabled;
  p.set_int(lt::settings_pack::out_enc_policy, policy);
  p.set_int(lt::settings_pack::in_enc_policy, policy);
  // uTP's LEDBAT yields to any other traffic: right for a desktop on a
  // home line, a brake for a download server (on loopback, 20x slower).
  p.set_bool(lt::settings_pack::enable_outgoing_utp, cfg.bt_utp);
  p.set_bool(lt::settings_pack::enable_incoming_utp, cfg.bt_utp);
  p.set_int(lt::settings_pack::connections_limit,
            static_cast<int>(cfg.bt_connections_limit));
  p.set_int(lt::settings_pack::download_rate_limit,
            static_cast<int>(std::min<uint64_t>(cfg.bt_download_limit,
                                                INT32_MAX)));
  p.set_int(lt::settings_pack::upload_rate_limit,
            static_cast<int>(std::min<uint64_t>(cfg.bt_upload_limit,
                                                INT32_MAX)));
  p.set_int(lt::settings_pack::alert_mask,
            lt::alert_category::status | lt::alert_category::error
                | lt::alert_category::storage);
  p.set_int(lt::settings_pack::alert_queue_size, 10000);
  p.set_int(lt::settings_pack::stop_tracker_timeout, 1);
  p.set_str(lt::settings_pack::user_agent, "Skyhaul/0.1");
  p.set_str(lt::settings_pack::peer_fingerprint, "-SK0010-");
  // Peers behind one address (a LAN, a test on loopback) are still peers.
  p.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  // Tasks are queued by the scheduler; libtorrent's own queue stays out.
  p.set_int(lt::settings_pack::active_downloads, -1);
  p.set_int(lt::settings_pack::active_seeds, -1);
  p.set_int(lt::settings_pack::active_limit, -1);
  // Room for fast local swarms: more bytes in flight to and from disk.
  p.set_int(lt::settings_pack::max_queued_disk_bytes, 16 << 20);
  p.set_int(lt::settings_pack::send_buffer_watermark, 4 << 20);
  p.set_int(lt::settings_pack::hashing_threads, 2);
  p.set_int(lt::settings_pack::aio_threads, 4);
  return p;
}

/// The network policy's refused ranges, minus `--allow-network`.
lt::ip_filter private_filter(const settings& cfg) {
  // The same list as every curl job, minus the allowed networks.
  return make_ip_filter(
      base::net_policy::from_settings(false, cfg.allow_networks));
}

torrent_entry* find(session_ptr self, task_seq seq) {
  auto i = self->state.entries.find(seq);
  return i == self->state.entries.end() ? nullptr : &i->second;
}

torrent_entry* find_hash(session_ptr self, const std::string& hash) {
  auto i = self->state.by_hash.find(hash);
  return i == self->state.by_hash.end() ? nullptr : find(self, i->second);
}

torrent_entry* find_handle(session_ptr self, const lt::torrent_handle& h) {
  if (!h.is_valid())
    return nullptr;
  for (auto& kvp : self->state.entries)
    if (kvp.second.handle == h)
      return &kvp.second;
  return nullptr;
}

void forget(session_ptr self, task_seq seq) {
  auto& st = self->state;
  auto i = st.entries.find(seq);
  if (i == st.entries.end())
    return;
  auto j = st.by_hash.find(i->second.info_hash);
  if (j != st.by_hash.end() && j->second == seq)
    st.by_hash.erase(j);
  st.entries.erase(i);
}

/// Tells the task how its torrent ended; once.
void report_done(session_ptr self, torrent_entry& e, ec code,
                 std::string msg) {
  if (e.done_sent || e.seeding)
    return;
  e.done_sent = true;
  torrent_result res;
  res.seq = e.seq;
  res.code = code;
  res.message = std::move(msg);
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
/// `clean` marks a stop (its answer and every later one count as clean);
/// `flush` only has libtorrent write its buffers first, as a clean save
/// does, without making the torrent count as stopped.
void save_resume(torrent_entry& e, bool clean, bool periodic = false,
                 bool flush = false) {
  if (!e.handle.is_valid())
    return;
  ++e.saves_asked;
  if (clean && e.clean_from == UINT64_MAX)
    e.clean_from = e.saves_asked;
  auto flags = lt::torrent_handle::save_info_dict;
  if (clean || flush)
    flags |= lt::torrent_handle::flush_disk_cache;
  if (periodic)
    flags |= lt::torrent_handle::only_if_modified;
  e.handle.save_resume_data(flags);
}

void remove_now(session_ptr self, torrent_entry& e) {
  lt::remove_flags_t flags{};
  if (e.delete_files)
    flags = lt::session::delete_files;
  self->state.ses->remove_torrent(e.handle, flags);
}

/// A clean stop: clean resume data, stored, then the torrent goes.
void pause_entry(session_ptr self, torrent_entry& e) {
  if (e.pausing || e.removing)
    return;
  e.pausing = true;
  if (!e.handle.is_valid()) {
    e.stop_after_add = true;
    return;
  }
  save_resume(e, true);
}

void remove_entry(session_ptr self, torrent_entry& e, bool delete_files) {
  e.delete_files = e.delete_files || delete_files;
  if (e.removing)
    return;
  e.removing = true;
  if (!e.handle.is_valid()) {
    e.stop_after_add = true;
    return;
  }
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
  if (e == nullptr) {
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
    if (e->start_pending) {
      e->start_pending = false;
      e->start_rp.deliver(make_error(ev.code, msg));
    } else {
      report_done(self, *e, ev.code, msg);
    }
    forget(self, e->seq);
    return;
  }
  e->handle = ev.handle;
  if (e->recheck) {
    // Pieces the resume data lists may never have reached the disk.
    e->recheck = false;
    e->handle.force_recheck();
  }
  if (e->start_pending) {
    e->start_pending = false;
    e->start_rp.deliver(caf::ok_atom_v);
  }
  if (e->stop_after_add) {
    if (e->removing)
      remove_now(self, *e);
    else if (e->pausing)
      save_resume(*e, true);
    return;
  }
  if (e->have_layout) {
    send_meta(self, *e);
    // The metadata is on disk before any piece: a restart needs no swarm.
    save_resume(*e, false);
  }
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
  e.magnet_phase = false;
  e.readd_pending = true;
  e.readd.ti = std::const_pointer_cast<lt::torrent_info>(ti);
  e.readd.file_priorities.clear();
  for (auto p : e.layout.priorities)
    e.readd.file_priorities.push_back(lt::download_priority_t{p});
  e.readd.flags &= ~lt::torrent_flags::default_dont_download;
  self->state.ses->remove_torrent(e.handle);
}

void on_resume(session_ptr self, torrent_event& ev) {
  auto* e = find_handle(self, ev.handle);
  if (e == nullptr)
    return;
  auto index = ++e->saves_answered;
  auto clean = index >= e->clean_from;
  if (e->magnet_phase && ev.ti && ev.code == ec::none && !e->pausing
      && !e->removing) {
    on_magnet_metadata(self, *e, ev.ti);
    return;
  }
  if (e->flush_at != 0 && index >= e->flush_at && !e->done_sent) {
    if (ev.code == ec::none)
      report_done(self, *e, ec::none, {});
    else
      report_done(self, *e, ec::internal_error,
                  "the torrent's data could not be flushed: " + ev.message);
  }
  auto seq = e->seq;
  auto after = [self, seq, clean] {
    auto* e = find(self, seq);
    if (e == nullptr || !clean)
      return;
    flush_answered(self, seq);
    if (e->pausing && !e->removing) {
      e->removing = true;
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
  if (e->readd_pending && !e->pausing && !e->removing) {
    e->readd_pending = false;
    e->handle = lt::torrent_handle{};
    self->state.ses->async_add_torrent(e->readd);
    return;
  }
  for (auto& rp : e->on_removed)
    rp.deliver(caf::ok_atom_v);
  if (e->seeding) {
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
    auto* e = find_handle(self, s.handle);
    if (e == nullptr)
      continue;
    e->uploaded = s.uploaded;
    if (e->seeding || e->pausing || e->removing || e->readd_pending)
      continue;
    torrent_progress p;
    p.seq = e->seq;
    p.download_rate = s.download_rate;
    p.upload_rate = s.upload_rate;
    p.uploaded = s.uploaded;
    p.peers = s.peers;
    p.seeds = s.seeds;
    p.checking = s.checking;
    if (e->have_layout && !e->magnet_phase) {
      p.file_done = file_done(e->layout.spans, e->layout.piece_length,
                              s.pieces);
      p.wanted_total = e->layout.meta.wanted;
      for (size_t i = 0; i < p.file_done.size(); ++i)
        if (e->layout.meta.files[i].wanted)
          p.wanted_done += p.file_done[i];
    }
    auto complete = e->have_layout && !e->magnet_phase && !s.checking
                    && !s.pieces.empty() && p.wanted_done == p.wanted_total;
    self->send(e->listener, atom::progress_v, std::move(p));
    if (complete && !e->done_sent && e->flush_at == 0) {
      // Verified pieces may still sit in libtorrent's write buffers: the
      // task reads the files only after a save that flushes them.
      save_resume(*e, false, false, true);
      e->flush_at = e->saves_asked;
    }
  }
}

void on_error(session_ptr self, torrent_event& ev) {
  auto* e = find_handle(self, ev.handle);
  if (e == nullptr || e->pausing || e->removing)
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
    }
  }
}

void check_seeding(session_ptr self) {
  auto& cfg = *self->state.cfg;
  auto now = now_ms();
  for (auto& kvp : self->state.entries) {
    auto& e = kvp.second;
    if (!e.seeding || e.removing)
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

// -- adding -------------------------------------------------------------------

caf::error make_params(session_ptr self, const torrent_add& req,
                       torrent_entry& e, lt::add_torrent_params& p) {
  auto& cfg = *self->state.cfg;
  std::shared_ptr<const lt::torrent_info> ti;
  if (!req.metainfo.empty()) {
    if (auto err = parse_metainfo(req.metainfo, cfg.bt_max_torrent_size, ti))
      return err;
  } else {
    if (!magnet_info_hash(req.magnet))
      return make_error(ec::invalid_uri, "the magnet link has no usable "
                                         "info-hash");
    lt::error_code err;
    p = lt::parse_magnet_uri(req.magnet, err);
    if (err)
      return make_error(ec::invalid_uri, "bad magnet link: " + err.message());
  }
  if (!req.resume.empty()) {
    lt::error_code err;
    auto r = lt::read_resume_data({req.resume.data(),
                                   static_cast<long>(req.resume.size())},
                                  err);
    auto same = !err
                && (ti ? r.info_hashes == ti->info_hashes()
                       : r.info_hashes == p.info_hashes);
    if (same) {
      // Peers and trackers of a magnet link stay with the torrent.
      auto peers = std::move(p.peers);
      auto trackers = std::move(p.trackers);
      p = std::move(r);
      p.peers.insert(p.peers.end(), peers.begin(), peers.end());
      for (auto& t : trackers)
        if (std::find(p.trackers.begin(), p.trackers.end(), t)
            == p.trackers.end())
          p.trackers.push_back(t);
      e.recheck = req.recheck;
      if (!ti && p.ti)
        if (unsafe_torrent_paths(*p.ti).empty())
          ti = p.ti;
    }
  }
  if (ti) {
    if (auto err = layout_of(*ti, req.files, e.layout))
      return err;
    e.have_layout = true;
    p.ti = std::const_pointer_cast<lt::torrent_info>(ti);
    p.file_priorities.clear();
    for (auto prio : e.layout.priorities)
      p.file_priorities.push_back(lt::download_priority_t{prio});
    p.flags &= ~lt::torrent_flags::default_dont_download;
    e.info_hash = e.layout.meta.info_hash;
  } else {
    p.ti.reset();
    // Nothing is downloaded before the files are chosen.
    p.flags |= lt::torrent_flags::default_dont_download;
    e.magnet_phase = true;
    e.info_hash = hash_hex(p.info_hashes);
  }
  p.save_path = req.save_path;
  p.flags &= ~(lt::torrent_flags::auto_managed | lt::torrent_flags::paused
               | lt::torrent_flags::upload_mode
               | lt::torrent_flags::stop_when_ready);
  p.flags |= lt::torrent_flags::duplicate_is_error;
  p.download_limit = static_cast<int>(
      std::min<uint64_t>(req.download_limit, INT32_MAX));
  p.upload_limit
      = static_cast<int>(std::min<uint64_t>(req.upload_limit, INT32_MAX));
  p.max_connections = static_cast<int>(cfg.bt_torrent_connections_limit);
  if (e.magnet_phase)
    e.readd = p;
  return caf::none;
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
  if (auto err = make_params(self, req, e, p))
    return err;
  if (auto* other = find_hash(self, e.info_hash))
    return make_error(ec::invalid_state,
                      "the torrent " + e.info_hash
                          + " is already being downloaded by task "
                          + format_tid(other->seq));
  std::error_code err;
  std::filesystem::create_directories(req.save_path, err);
  e.start_pending = true;
  e.start_rp = self->make_response_promise<caf::ok_atom>();
  auto rp = e.start_rp;
  self->monitor(listener);
  st.by_hash[e.info_hash] = e.seq;
  st.entries.emplace(e.seq, std::move(e));
  st.ses->async_add_torrent(std::move(p));
  return rp;
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
      if (kvp.second.task == msg.source && !kvp.second.seeding)
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
        e->done_sent = true;
        remove_entry(self, *e, delete_files);
        return rp;
      },
      [=](atom::seed, task_seq seq) {
        if (auto* e = find(self, seq)) {
          e->seeding = true;
          e->done_sent = true;
          e->seed_start_ms = now_ms();
        }
      },
      [=](atom::flush) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        st.flushing = true;
        st.flush_rp = self->make_response_promise<caf::ok_atom>();
        auto rp = st.flush_rp;
        for (auto& kvp : st.entries) {
          auto& e = kvp.second;
          if (e.seeding || e.removing || !e.handle.is_valid())
            continue;
          st.flush_waiting.insert(e.seq);
          save_resume(e, true);
        }
        if (st.flush_waiting.empty())
          st.flush_rp.deliver(caf::ok_atom_v);
        return rp;
      },
      [=](atom::wake) { pump(self); },
      [=](caf::tick_atom) {
        auto& st = self->state;
        st.ses->post_torrent_updates(lt::torrent_handle::query_pieces);
        auto now = now_ms();
        if (now - st.last_resume_ms
            >= int64_t{st.cfg->bt_resume_interval_s} * 1000) {
          st.last_resume_ms = now;
          for (auto& kvp : st.entries) {
            auto& e = kvp.second;
            if (!e.seeding && !e.pausing && !e.removing && !e.readd_pending)
              save_resume(e, false, true);
          }
        }
        check_seeding(self);
        self->delayed_send(self, tick_interval, caf::tick_atom_v);
      },
  };
}

} // namespace

torrent_session_actor spawn_torrent_session(caf::actor_system& sys,
                                            const settings* cfg,
                                            store_actor store) {
  return sys.spawn<caf::detached>(torrent_session, cfg, std::move(store));
}

} // namespace skyhaul
