// Alerts into steps: each libtorrent event of a torrent, routed to its
// entry (see `session_state` for the routing).

#include "actors/torrent_session_state.hpp"

#include "actors/timeouts.hpp"
#include "actors/torrent_meta.hpp"
#include "actors/torrent_peers.hpp"
#include "protocol/settings.hpp"

#include <caf/all.hpp>
#include <filesystem>
#include <libtorrent/alert.hpp>
#include <libtorrent/torrent_info.hpp>

namespace skyhaul::torrent_session_impl {

namespace {

void on_added(session_ptr self, torrent_event& ev) {
  auto* e = find_hash(self, ev.info_hash);
  if (e == nullptr || e->handle.is_valid()) {
    // A task that went while its add was in flight.
    if (ev.code == ec::none && ev.handle.is_valid())
      self->state.ses->remove_torrent(ev.handle);
    return;
  }
  if (ev.code != ec::none && e->post != 0) {
    seed_failed(self, *e, ev.message);
    forget(self, e->seq);
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
  if (e->post != 0) {
    // A post's seed: libtorrent checks the linked files, then offers
    // the pieces that passed. No resume data: every start checks again.
    e->phase = torrent_phase::seeding;
    e->seed_start_ms = now_ms();
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
  // A task that picks its files pauses for the choice once the metadata is
  // in; its room is checked when it starts again with the choice.
  if (!e.pick_files)
    if (auto why = lacks_space(
            e.save_path, bytes_still_needed(e.save_path, e.layout.meta.files));
        !why.empty()) {
      // The task shows the files first: the ones that fit can be chosen.
      send_meta(self, e);
      return fail(ec::insufficient_storage, std::move(why));
    }
  e.have_layout = true;
  e.ti = ti;
  e.phase = torrent_phase::readding;
  e.readd.ti = std::const_pointer_cast<lt::torrent_info>(ti);
  e.readd.file_priorities.clear();
  // A task that picks its files fetches none before the choice, as an
  // uploaded .torrent does (it pauses once it has the metadata): nothing
  // of a file it will not choose takes room on the disk.
  for (auto p : e.layout.priorities)
    e.readd.file_priorities.push_back(
        lt::download_priority_t{e.pick_files ? uint8_t{0} : p});
  if (!e.pick_files)
    e.readd.flags &= ~lt::torrent_flags::default_dont_download;
  self->state.ses->remove_torrent(e.handle);
}

void on_resume(session_ptr self, torrent_event& ev) {
  auto* e = route(self, ev.info_hash, ev.handle);
  if (e == nullptr)
    return;
  auto index = ++e->saves_answered;
  auto clean = index >= e->clean_from;
  // The answer to a clean save (a graceful stop) stays a stop.
  if (e->phase == torrent_phase::magnet && ev.ti && ev.code == ec::none
      && !clean) {
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
  auto* e = route(self, ev.info_hash, ev.handle);
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
  if (e->seeded && e->post != 0) {
    // A post's folder of links, at once: the post may be seeded again
    // into the same folder by the next match.
    std::error_code err;
    std::filesystem::remove_all(e->save_path, err);
  } else if (e->seeded) {
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
    auto* e = route(self, s.info_hash, s.handle);
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
    if (s.peers > 0)
      p.peer_list = listed_peers(e->handle);
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
  if (e->post != 0)
    seed_failed(self, *e, ev.message);
  report_done(self, *e, ev.code, ev.message);
  remove_entry(self, *e, false);
}

} // namespace

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

} // namespace skyhaul::torrent_session_impl
