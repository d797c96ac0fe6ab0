// A torrent task's wanted files chosen anew while it lives: checked by the
// session against the torrent's metadata, stored in the task's spec, and
// applied by adding the torrent again (a clean pause in the session, then a
// start with the new choice), so the next start (a resume, a restart) makes
// the same choice.

#include "actors/torrent_task_steps.hpp"

#include "actors/torrent_files.hpp"

#include <caf/all.hpp>

namespace skyhaul::detail::bt {

namespace {

/// Takes the new selection into the task's figures and spec. `files`
/// carries the new wanted flags in the order of the current list.
void take_choice(task_ptr self, const std::vector<std::string>& names,
                 const std::vector<torrent_file_info>& files) {
  auto& st = self->state;
  uint64_t wanted = 0;
  uint64_t done = 0;
  for (size_t i = 0; i < st.bt.files.size() && i < files.size(); ++i) {
    auto& f = st.bt.files[i];
    f.wanted = files[i].wanted;
    if (f.wanted) {
      wanted += f.size;
      done += f.done;
    }
  }
  st.rec.spec.files = names;
  st.rec.spec.pick_files = false;
  st.rec.total_bytes = static_cast<int64_t>(wanted);
  st.rec.done_bytes = done;
}

} // namespace

caf::result<task_status> choose(task_ptr self, std::vector<std::string> names) {
  auto& st = self->state;
  if (st.at == phase::hashing || st.at == phase::storing)
    return make_error(ec::invalid_state,
                      "every wanted piece is in: the files are being stored");
  if (st.at == phase::ended)
    return make_error(ec::invalid_state, "the task has ended");
  if (st.bt.metadata != metadata_state::received || st.bt.files.empty())
    return make_error(ec::invalid_state,
                      "the torrent's metadata is not known yet");
  auto rp = self->make_response_promise<task_status>();
  if (st.at != phase::swarm) {
    // Between attempts: checked against the known files, applied by the
    // next add.
    std::vector<std::string> paths;
    for (auto& f : st.bt.files)
      paths.push_back(f.path);
    std::string unknown;
    auto chosen = select_files(paths, st.bt.name, names, unknown);
    if (!chosen)
      return make_error(ec::invalid_argument,
                        "the torrent has no file named '" + unknown + "'");
    auto files = st.bt.files;
    for (size_t i = 0; i < files.size(); ++i)
      files[i].wanted = (*chosen)[i];
    take_choice(self, names, files);
    persist(self, [=]() mutable { rp.deliver(status_of(self)); });
    return rp;
  }
  self->request(st.deps.torrents, session_timeout, caf::put_atom_v,
                st.rec.seq, names)
      .then(
          [=](torrent_meta& m) mutable {
            auto& st = self->state;
            // A pause or the end came first: its record is (or will be)
            // the final one, and the torrent left the session.
            if (st.at != phase::swarm) {
              rp.deliver(make_error(ec::invalid_state,
                                    "the task stopped meanwhile"));
              return;
            }
            take_choice(self, names, m.files);
            // Between the stop and the start the task waits as between
            // attempts: a pause or cancel meanwhile settles it at once.
            st.at = phase::backoff;
            persist(self, [=]() mutable {
              rp.deliver(status_of(self));
              self->request(self->state.deps.torrents, session_timeout,
                            atom::pause_v, self->state.rec.seq)
                  .then(
                      [=](caf::ok_atom) {
                        auto& st = self->state;
                        if (st.at != phase::backoff || st.settled)
                          return;
                        // Not a new attempt: the same one, re-added.
                        --st.rec.tries;
                        start_swarm(self);
                      },
                      [=](caf::error& err) { give_up(self, err); });
            });
          },
          [=](caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

} // namespace skyhaul::detail::bt
