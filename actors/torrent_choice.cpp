#include "actors/torrent_choice.hpp"

#include "actors/torrent_meta.hpp"
#include "actors/torrent_view.hpp"
#include "protocol/source.hpp"

#include <caf/all.hpp>

namespace skyhaul::sched {

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
  auto& deps = self->state.deps;
  if (auto err = stored_layout(*deps.cfg, *deps.db, *rec, names, layout))
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

} // namespace skyhaul::sched
