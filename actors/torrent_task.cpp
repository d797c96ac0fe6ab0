// The behaviour of a BitTorrent task: routes each message to its step
// (actors/torrent_task_steps.hpp names them and their files) after
// checking that it still belongs to the task's phase, and handles the
// controls, pause and cancel. The HTTP side of a task is in
// actors/task.cpp.

#include "actors/torrent_task_steps.hpp"

#include "protocol/settings.hpp"
#include "protocol/source.hpp"

#include <caf/all.hpp>

namespace skyhaul::detail {

using namespace bt;

task_actor::behavior_type torrent_task(task_ptr self) {
  auto& st = self->state;
  st.torrent = true;
  st.rec.files.clear();
  if (!st.rec.info_hash.empty()) {
    st.bt.info_hash = st.rec.info_hash;
    st.bt.name = st.rec.torrent_name;
  }
  bool cached = try_cache_metainfo(self);
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
      [=](atom::meta, std::string& bytes) {
        if (self->state.at == phase::fetching)
          on_metainfo_read(self, bytes);
      },
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
        else if (self->state.at != phase::ended)
          run_deferred(self);
        else
          settle_again(self);
      },
      [=](atom::status) -> task_status { return status_of(self); },
      [=](caf::put_atom,
          std::vector<std::string>& names) -> caf::result<task_status> {
        return choose(self, std::move(names));
      },
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
