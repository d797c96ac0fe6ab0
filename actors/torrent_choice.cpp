#include "actors/torrent_choice.hpp"

#include "actors/torrent_meta.hpp"
#include "protocol/settings.hpp"
#include "protocol/source.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/torrent_table.hpp"

#include <caf/all.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/torrent_info.hpp>

namespace skyhaul::sched {

namespace {

/// The layout of a stored task's torrent for `wanted`: from its `.torrent`
/// or from the info dictionary its resume data carries (a magnet link's
/// metadata). `ec::invalid_state` when it keeps neither.
caf::error stored_layout(sched_ptr self, const task_record& rec,
                         const std::vector<std::string>& wanted,
                         torrent_layout& out) {
  auto& cfg = *self->state.deps.cfg;
  std::shared_ptr<const lt::torrent_info> ti;
  if (!rec.spec.torrent.empty()) {
    if (auto err = parse_metainfo(rec.spec.torrent, cfg.bt_max_torrent_size,
                                  ti))
      return err;
  } else {
    std::optional<storage::resume_entry> resume;
    {
      auto t = self->state.deps.db->read();
      resume = storage::get_resume(t, rec.seq);
    }
    if (resume) {
      lt::error_code err;
      auto p = lt::read_resume_data(
        {resume->data.data(), static_cast<long>(resume->data.size())}, err);
      if (!err && p.ti && p.ti->is_valid()
          && unsafe_torrent_paths(*p.ti).empty())
        ti = p.ti;
    }
  }
  if (!ti)
    return make_error(ec::invalid_state,
                      "the torrent's metadata is not known yet");
  if (auto err = layout_of(*ti, wanted, out))
    return make_error(ec::invalid_argument, message_of(err));
  return caf::none;
}

bool open_torrent_task(const task_record& rec) {
  return is_torrent(source_of(rec.spec)) && rec.state != task_state::finished
         && rec.state != task_state::cancelled;
}

void put_view(const torrent_layout& l, torrent_view& bt) {
  bt.metadata = metadata_state::received;
  bt.info_hash = l.meta.info_hash;
  bt.name = l.meta.name;
  bt.total_size = l.meta.total;
  bt.files = l.meta.files;
}

} // namespace

void choose_stored(sched_ptr self, user_id uid, task_seq seq,
                   std::vector<std::string> names,
                   std::function<void(caf::expected<task_status>)> done) {
  auto rec = load_owned(self, uid, seq);
  if (!rec)
    return done(rec.error());
  if (!is_torrent(source_of(rec->spec)))
    return done(make_error(ec::invalid_argument,
                           "files can be chosen for torrent tasks only"));
  if (!open_torrent_task(*rec) || rec->state == task_state::downloading)
    return done(make_error(ec::invalid_state,
                           std::string{"cannot choose the files of a task "
                                       "that is "}
                             + to_string(rec->state)));
  torrent_layout layout;
  if (auto err = stored_layout(self, *rec, names, layout))
    return done(err);
  rec->spec.files = std::move(names);
  rec->total_bytes = static_cast<int64_t>(layout.meta.wanted);
  // The task paused itself for this choice (task_spec::pick_files): the
  // choice starts it.
  auto start = rec->spec.pick_files && rec->state == task_state::paused;
  rec->spec.pick_files = false;
  if (start) {
    rec->state = task_state::waiting;
    rec->error = ec::none;
    rec->error_message.clear();
  }
  auto ts = std::make_shared<task_status>();
  ts->rec = *rec;
  put_view(layout, ts->bt);
  save(self, std::move(*rec), [=](const caf::error& err) {
    if (err)
      return done(err);
    if (start) {
      enqueue(self, seq);
      start_ready(self);
    }
    done(std::move(*ts));
  });
}

void fill_stored_view(sched_ptr self, task_status& ts) {
  if (!open_torrent_task(ts.rec)
      || (ts.rec.info_hash.empty() && ts.rec.spec.torrent.empty()))
    return;
  torrent_layout layout;
  if (!stored_layout(self, ts.rec, ts.rec.spec.files, layout))
    put_view(layout, ts.bt);
}

} // namespace skyhaul::sched
