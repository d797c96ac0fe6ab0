#include "actors/scheduler.hpp"

#include "actors/scheduler_internal.hpp"
#include "actors/torrent_choice.hpp"
#include "actors/torrent_view.hpp"
#include "protocol/source.hpp"
#include "protocol/settings.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/task_table.hpp"

#include <caf/all.hpp>

namespace skyhaul {

namespace sched {

template <class T> using promise = caf::typed_response_promise<T>;

using ok_promise = promise<caf::ok_atom>;

/// Runs `op` on `seq` in turn; its outcome answers `rp`.
void run_op(sched_ptr self, task_seq seq, ok_promise rp,
            std::function<void(done_fn)> op) {
  serialize(self, seq, [=]() mutable {
    op([=](const caf::error& err) mutable {
      if (err)
        rp.deliver(err);
      else
        rp.deliver(caf::ok_atom_v);
      next_op(self, seq);
    });
  });
}

// -- the queue and the live tasks ---------------------------------------------

void start_ready(sched_ptr self) {
  auto& st = self->state;
  if (st.recovering > 0)
    return;
  while (st.live.size() < st.deps.cfg->max_active && !st.queue.empty()) {
    auto seq = st.queue.front();
    st.queue.pop_front();
    if (st.queued.erase(seq) == 0)
      continue;
    auto rec = load(self, seq);
    if (!rec || rec->state != task_state::waiting)
      continue;
    auto owner = rec->owner;
    live_task lt;
    lt.active = base::metrics::active_transfer{
        is_torrent(source_of(rec->spec)) ? base::metrics::transfer::torrent
                                         : base::metrics::transfer::http};
    auto handle = spawn_task(self->system(), std::move(*rec), st.deps);
    self->monitor(handle);
    lt.handle = handle;
    lt.owner = owner;
    st.live.emplace(seq, std::move(lt));
  }
}

void enqueue(sched_ptr self, task_seq seq) {
  auto& st = self->state;
  if (st.queued.insert(seq).second)
    st.queue.push_back(seq);
}

/// The task's record is durable and final: it stops being live (the
/// scheduler owns its record from now on) and may go. Its mailbox still
/// holds every request sent before, so they are answered first.
void release(sched_ptr self, task_seq seq, const caf::actor_addr& who) {
  auto& st = self->state;
  auto i = st.live.find(seq);
  if (i == st.live.end() || i->second.handle.address() != who)
    return;
  auto handle = i->second.handle;
  auto waiting = std::move(i->second.on_release);
  st.live.erase(i);
  self->send_exit(handle, caf::exit_reason::user_shutdown);
  start_ready(self);
  for (auto& f : waiting)
    f(true);
}

live_task* find_live(sched_ptr self, user_id uid, task_seq seq) {
  auto& live = self->state.live;
  auto i = live.find(seq);
  if (i == live.end() || (uid != 0 && i->second.owner != uid))
    return nullptr;
  return &i->second;
}

/// Asks the live task `seq` to stop with `Atom` (pause or cancel); it
/// answers with its final record once that is durable, and is released.
template <class Atom, class... Ts>
void stop_live(sched_ptr self, task_seq seq, task_actor handle,
               std::function<void(caf::expected<task_record>)> then,
               Ts... xs) {
  self->request(handle, task_timeout, Atom{}, xs...)
      .then(
          [=](task_record& rec) {
            release(self, seq, handle.address());
            then(std::move(rec));
          },
          [=](caf::error& err) { then(std::move(err)); });
}

/// Rebuilds the queue after a start: interrupted downloads first. Their
/// records go back to waiting before any task starts.
void recover(sched_ptr self) {
  auto& st = self->state;
  auto t = st.deps.db->read();
  st.last_seq = storage::last_task_seq(t);
  std::vector<task_seq> interrupted;
  storage::for_each_task_in_state(t, task_state::downloading,
                                  [&](task_seq seq) {
                                    interrupted.push_back(seq);
                                    return true;
                                  });
  for (auto seq : interrupted) {
    auto rec = storage::get_task(t, seq);
    if (!rec)
      continue;
    rec->state = task_state::waiting;
    ++st.recovering;
    enqueue(self, seq);
    serialize(self, seq, [self, seq, rec = std::move(*rec)]() mutable {
      save(self, std::move(rec), [self, seq](const caf::error&) {
        --self->state.recovering;
        start_ready(self);
        next_op(self, seq);
      });
    });
  }
  storage::for_each_task_in_state(t, task_state::waiting, [&](task_seq seq) {
    enqueue(self, seq);
    return true;
  });
}

/// The answer to a stop whose task ended otherwise meanwhile.
caf::error ended_as(const task_record& rec, task_state wanted,
                    const char* verb) {
  if (rec.state == wanted)
    return caf::error{};
  return make_error(ec::invalid_state, std::string{"cannot "} + verb
                                           + " a task that is "
                                           + to_string(rec.state));
}

scheduler_actor::behavior_type scheduler(sched_ptr self, task_deps deps) {
  self->state.deps = std::move(deps);
  self->state.deps.scheduler = caf::actor_cast<scheduler_actor>(self);
  recover(self);
  start_ready(self);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto i = st.live.begin(); i != st.live.end(); ++i) {
      if (i->second.handle.address() != dm.source)
        continue;
      // Released tasks are gone from `live`: this one died on its own.
      auto seq = i->first;
      auto waiting = std::move(i->second.on_release);
      st.live.erase(i);
      for (auto& f : waiting)
        f(false);
      fail_dead(self, seq,
                dm.reason ? message_of(dm.reason) : std::string{"no reason"});
      break;
    }
    start_ready(self);
  });
  return {
      [=](atom::create, user_id uid, task_spec& spec) -> caf::result<task_seq> {
        auto& st = self->state;
        task_record rec;
        rec.seq = ++st.last_seq;
        rec.owner = uid;
        rec.state
            = spec.start_paused ? task_state::paused : task_state::waiting;
        rec.created_ms = now_ms();
        rec.spec = std::move(spec);
        auto seq = rec.seq;
        auto waiting = rec.state == task_state::waiting;
        auto rp = self->make_response_promise<task_seq>();
        // Nobody knows the id before the reply, so nothing else can act on
        // the task meanwhile; still in turn, like every write.
        serialize(self, seq, [=, rec = std::move(rec)]() mutable {
          save(self, std::move(rec), [=](const caf::error& err) mutable {
            if (err) {
              rp.deliver(err);
            } else {
              rp.deliver(seq);
              // A task created paused stays out of the queue until resumed.
              if (waiting) {
                enqueue(self, seq);
                start_ready(self);
              }
            }
            next_op(self, seq);
          });
        });
        return rp;
      },
      [=](atom::create, user_id uid, std::vector<task_spec>& specs)
          -> caf::result<std::vector<task_seq>> {
        auto& st = self->state;
        auto now = now_ms();
        std::vector<task_record> recs;
        std::vector<task_seq> seqs;
        recs.reserve(specs.size());
        seqs.reserve(specs.size());
        for (auto& spec : specs) {
          task_record rec;
          rec.seq = ++st.last_seq;
          rec.owner = uid;
          rec.state
              = spec.start_paused ? task_state::paused : task_state::waiting;
          rec.created_ms = now;
          rec.updated_ms = now;
          rec.spec = std::move(spec);
          seqs.push_back(rec.seq);
          recs.push_back(std::move(rec));
          // Holds each task's turn until the commit is in, as a single
          // create does.
          serialize(self, seqs.back(), [] {});
        }
        auto waiting = std::make_shared<std::vector<task_seq>>();
        for (auto& rec : recs)
          if (rec.state == task_state::waiting)
            waiting->push_back(rec.seq);
        auto rp = self->make_response_promise<std::vector<task_seq>>();
        auto release = [=] {
          for (auto seq : seqs)
            next_op(self, seq);
        };
        self->request(st.deps.store, store_timeout, caf::put_atom_v,
                      std::move(recs))
            .then(
                [=](caf::ok_atom) mutable {
                  rp.deliver(seqs);
                  for (auto seq : *waiting)
                    enqueue(self, seq);
                  start_ready(self);
                  release();
                },
                [=](caf::error& err) mutable {
                  rp.deliver(err);
                  release();
                });
        return rp;
      },
      [=](atom::pause, user_id uid, task_seq seq) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        run_op(self, seq, rp, [=](done_fn done) {
          auto lt = find_live(self, uid, seq);
          if (!lt)
            return pause_stored(self, uid, seq, done);
          stop_live<atom::pause>(
              self, seq, lt->handle, [=](caf::expected<task_record> rec) {
                done(rec ? ended_as(*rec, task_state::paused, "pause")
                         : rec.error());
              });
        });
        return rp;
      },
      [=](atom::resume, user_id uid,
          task_seq seq) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        run_op(self, seq, rp, [=](done_fn done) {
          auto lt = find_live(self, uid, seq);
          if (!lt)
            return resume_stored(self, uid, seq, done);
          auto handle = lt->handle;
          self->request(handle, task_timeout, atom::status_v)
              .then(
                  [=](task_status& ts) {
                    auto s = ts.rec.state;
                    if (s == task_state::waiting
                        || s == task_state::downloading)
                      return done(caf::error{});
                    // The task is ending: what it leaves behind is resumed
                    // once its final record is durable and it let go.
                    auto lt = find_live(self, uid, seq);
                    if (!lt || lt->handle != handle)
                      return resume_stored(self, uid, seq, done);
                    lt->on_release.push_back([=](bool clean) {
                      if (clean)
                        resume_stored(self, uid, seq, done);
                      else
                        done(make_error(ec::internal_error,
                                        "the task actor died"));
                    });
                  },
                  [=](caf::error& err) { done(err); });
        });
        return rp;
      },
      [=](atom::cancel, user_id uid,
          task_seq seq) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        run_op(self, seq, rp, [=](done_fn done) {
          auto lt = find_live(self, uid, seq);
          if (!lt)
            return cancel_stored(self, uid, seq, done);
          stop_live<atom::cancel>(
              self, seq, lt->handle,
              [=](caf::expected<task_record> rec) {
                done(rec ? ended_as(*rec, task_state::cancelled, "cancel")
                         : rec.error());
              },
              false);
        });
        return rp;
      },
      [=](atom::remove, user_id uid, task_seq seq,
          bool del_file) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        run_op(self, seq, rp, [=](done_fn done) {
          auto lt = find_live(self, uid, seq);
          if (!lt)
            return remove_stored(self, uid, seq, del_file, done);
          // However the task ended, its record is durable and no actor
          // owns it any more: the stored path removes it.
          stop_live<atom::cancel>(
              self, seq, lt->handle,
              [=](caf::expected<task_record> rec) {
                if (!rec)
                  return done(rec.error());
                remove_stored(self, uid, seq, del_file, done);
              },
              del_file);
        });
        return rp;
      },
      [=](atom::status, user_id uid, task_seq seq) -> caf::result<task_status> {
        auto rp = self->make_response_promise<task_status>();
        auto stored = [=]() mutable {
          auto rec = load_owned(self, uid, seq);
          if (!rec) {
            rp.deliver(rec.error());
            return;
          }
          task_status out;
          out.rec = std::move(*rec);
          fill_stored_view(*self->state.deps.cfg, *self->state.deps.db, out);
          if (self->state.failing.count(seq) > 0)
            out.waiting_for = waits_for::storage;
          rp.deliver(std::move(out));
        };
        if (auto lt = find_live(self, uid, seq))
          self->request(lt->handle, task_timeout, atom::status_v)
              .then([=](task_status& ts) mutable { rp.deliver(std::move(ts)); },
                    [=](caf::error&) mutable { stored(); });
        else
          stored();
        return rp;
      },
      [=](caf::put_atom, user_id uid, task_seq seq,
          std::vector<std::string>& names) -> caf::result<task_status> {
        // The wanted files of a torrent task; in turn, like every write.
        auto rp = self->make_response_promise<task_status>();
        serialize(self, seq, [=]() mutable {
          auto finish = [=](caf::expected<task_status> ts) mutable {
            if (ts)
              rp.deliver(std::move(*ts));
            else
              rp.deliver(ts.error());
            next_op(self, seq);
          };
          if (auto lt = find_live(self, uid, seq)) {
            self->request(lt->handle, task_timeout, caf::put_atom_v, names)
                .then([=](task_status& ts) mutable { finish(std::move(ts)); },
                      [=](caf::error& err) mutable { finish(err); });
            return;
          }
          choose_stored(self, uid, seq, names, finish);
        });
        return rp;
      },
      [=](atom::list, user_id uid, task_query& q) -> caf::result<task_page> {
        auto& st = self->state;
        task_page page;
        {
          auto t = st.deps.db->read();
          page = storage::list_tasks(t, uid, q);
        }
        for (auto& ts : page.tasks) {
          if (auto j = st.live.find(ts.rec.seq); j != st.live.end()) {
            // The records of live tasks lag behind: overlay the latest figures.
            auto& p = j->second.last;
            if (p.seq == ts.rec.seq) {
              ts.rec.done_bytes = p.done;
              ts.rec.total_bytes = p.total;
              ts.speed = p.speed;
            }
          }
        }
        return page;
      },
      [=](atom::counters, user_id uid) -> state_counters {
        auto t = self->state.deps.db->read();
        return storage::get_counters(t, uid);
      },
      [=](atom::progress, fetch_progress& p) {
        auto& st = self->state;
        // The store makes progress events of them (at most one a second).
        self->send(st.deps.store, atom::progress_v, p);
        if (auto i = st.live.find(p.seq); i != st.live.end())
          i->second.last = std::move(p);
      },
      [=](atom::done, task_record& rec) {
        release(self, rec.seq, self->current_sender()
                                   ? self->current_sender()->address()
                                   : caf::actor_addr{});
      },
      [=](atom::retry, task_seq seq, std::string& why) {
        // A failure that waits for storage (actors/scheduler_ops.cpp).
        if (self->state.failing.count(seq) > 0)
          fail_dead(self, seq, std::move(why));
      },
  };
}


} // namespace sched

scheduler_actor spawn_scheduler(caf::actor_system& sys, task_deps deps) {
  return sys.spawn(sched::scheduler, std::move(deps));
}

} // namespace skyhaul
