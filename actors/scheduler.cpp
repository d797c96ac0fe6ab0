#include "actors/scheduler.hpp"

#include "protocol/settings.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"
#include "storage/task_table.hpp"

#include <caf/all.hpp>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace skyhaul {

namespace {

constexpr auto store_timeout = std::chrono::seconds(60);
constexpr auto task_timeout = std::chrono::seconds(30);

struct live_task {
  task_actor handle;
  user_id owner = 0;
  fetch_progress last;
  /// Run once the actor is gone: `true` when it was released with its
  /// final record durable, `false` when it died.
  std::vector<std::function<void(bool)>> on_release;
};

/// The outcome of an operation on a task, for its caller.
using done_fn = std::function<void(const caf::error&)>;

struct scheduler_state {
  static inline const char* name = "scheduler";
  task_deps deps;
  /// Waiting tasks in FIFO order; `queued` says which entries still count
  /// (a paused or deleted task leaves a stale entry behind).
  std::deque<task_seq> queue;
  std::unordered_set<task_seq> queued;
  /// The tasks with an actor. While it lives, the actor alone writes the
  /// task's record; the scheduler writes only records without one.
  std::unordered_map<task_seq, live_task> live;
  /// Operations per task, run one after the other: the front one runs, so
  /// an operation always reads the record the previous one left durable.
  std::unordered_map<task_seq, std::deque<std::function<void()>>> ops;
  /// Recovery writes still in flight; no task starts before they are in.
  size_t recovering = 0;
  task_seq last_seq = 0;

  ~scheduler_state() {
    // Tasks are not linked to the scheduler (their deaths are handled by
    // the down handler), so they are told to go here.
    for (auto& kvp : live)
      caf::anon_send_exit(kvp.second.handle, caf::exit_reason::user_shutdown);
  }
};

using sched_ptr = scheduler_actor::stateful_pointer<scheduler_state>;

std::optional<task_record> load(sched_ptr self, task_seq seq) {
  auto t = self->state.deps.db->read();
  return storage::get_task(t, seq);
}

/// Loads a task of `uid` (0: any owner); not_found for another user's.
caf::expected<task_record> load_owned(sched_ptr self, user_id uid,
                                      task_seq seq) {
  auto rec = load(self, seq);
  if (!rec || (uid != 0 && rec->owner != uid))
    return make_error(ec::not_found, "no such task: " + format_tid(seq));
  return std::move(*rec);
}

/// Writes a record no actor owns; `then` gets the outcome once durable.
void save(sched_ptr self, task_record rec, done_fn then) {
  rec.updated_ms = now_ms();
  self->request(self->state.deps.store, store_timeout, caf::put_atom_v,
                std::move(rec))
      .then([=](caf::ok_atom) { then(caf::error{}); },
            [=](caf::error& err) { then(err); });
}

// -- one operation per task at a time -----------------------------------------

void next_op(sched_ptr self, task_seq seq);

/// Runs `op` once the operations on `seq` queued before it have ended.
/// `op` must call `next_op(self, seq)` exactly once when it ends.
void serialize(sched_ptr self, task_seq seq, std::function<void()> op) {
  auto& q = self->state.ops[seq];
  q.push_back(std::move(op));
  if (q.size() == 1) {
    // A copy: the operation may end at once and pop itself.
    auto run = q.front();
    run();
  }
}

void next_op(sched_ptr self, task_seq seq) {
  auto& ops = self->state.ops;
  auto i = ops.find(seq);
  if (i == ops.end())
    return;
  i->second.pop_front();
  if (i->second.empty()) {
    ops.erase(i);
    return;
  }
  auto run = i->second.front();
  run();
}

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
    auto handle = spawn_task(self->system(), std::move(*rec), st.deps);
    self->monitor(handle);
    live_task lt;
    lt.handle = handle;
    lt.owner = rec->owner;
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

// -- the operations on tasks without an actor (LMDB) --------------------------

void pause_stored(sched_ptr self, user_id uid, task_seq seq, done_fn done) {
  auto rec = load_owned(self, uid, seq);
  if (!rec)
    return done(rec.error());
  if (rec->state == task_state::paused)
    return done(caf::error{});
  if (rec->state != task_state::waiting)
    return done(make_error(ec::invalid_state,
                           std::string{"cannot pause a task that is "}
                               + to_string(rec->state)));
  self->state.queued.erase(seq);
  rec->state = task_state::paused;
  save(self, std::move(*rec), done);
}

void resume_stored(sched_ptr self, user_id uid, task_seq seq, done_fn done) {
  auto rec = load_owned(self, uid, seq);
  if (!rec)
    return done(rec.error());
  if (rec->state == task_state::waiting)
    return done(caf::error{});
  if (rec->state != task_state::paused && rec->state != task_state::failed)
    return done(make_error(ec::invalid_state,
                           std::string{"cannot resume a task that is "}
                               + to_string(rec->state)));
  if (rec->state == task_state::failed)
    rec->tries = 0;
  rec->state = task_state::waiting;
  rec->error = ec::none;
  rec->error_message.clear();
  save(self, std::move(*rec), [=](const caf::error& err) {
    if (!err) {
      enqueue(self, seq);
      start_ready(self);
    }
    done(err);
  });
}

void cancel_stored(sched_ptr self, user_id uid, task_seq seq, done_fn done) {
  auto rec = load_owned(self, uid, seq);
  if (!rec)
    return done(rec.error());
  if (rec->state == task_state::cancelled)
    return done(caf::error{});
  if (is_terminal(rec->state))
    return done(make_error(ec::invalid_state,
                           std::string{"cannot cancel a task that is "}
                               + to_string(rec->state)));
  self->state.queued.erase(seq);
  rec->state = task_state::cancelled;
  save(self, std::move(*rec), done);
}

void remove_objects(sched_ptr self, const task_record& rec) {
  auto& st = self->state;
  for (auto& f : rec.files) {
    if (!f.concrete)
      continue;
    // Only the object this task wrote; a later task may own the key now.
    std::optional<storage::object_entry> cur;
    {
      auto t = st.deps.db->read();
      cur = storage::get_object(t, rec.spec.bucket, f.key);
    }
    if (cur && cur->file.blob == f.blob)
      self->request(st.deps.store, store_timeout, atom::erase_v,
                    rec.spec.bucket, f.key)
          .then([](caf::ok_atom) {}, [](caf::error&) {});
  }
}

void remove_stored(sched_ptr self, user_id uid, task_seq seq, bool del_file,
                   done_fn done) {
  auto rec = load_owned(self, uid, seq);
  if (!rec)
    return done(rec.error());
  auto& st = self->state;
  st.queued.erase(seq);
  if (del_file) {
    remove_partial_later(st.deps, seq);
    remove_objects(self, *rec);
  }
  self->request(st.deps.store, store_timeout, atom::erase_v, seq)
      .then([=](caf::ok_atom) { done(caf::error{}); },
            [=](caf::error& err) { done(err); });
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

/// A task actor died without handing over a final record: with no actor
/// left, the scheduler fails it visibly, never drops it. The flush makes
/// every write the actor sent before it died durable first, so the record
/// read here is its last.
void fail_dead(sched_ptr self, task_seq seq, std::string why) {
  serialize(self, seq, [self, seq, why] {
    self->request(self->state.deps.store, store_timeout, atom::flush_v)
        .then(
            [=](caf::ok_atom) {
              auto rec = load(self, seq);
              if (!rec || is_terminal(rec->state))
                return next_op(self, seq);
              rec->state = task_state::failed;
              rec->error = ec::internal_error;
              rec->error_message = "task actor died: " + why;
              save(self, std::move(*rec),
                   [=](const caf::error&) { next_op(self, seq); });
            },
            [=](caf::error&) { next_op(self, seq); });
  });
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
        serialize(self, seq, [=]() mutable {
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
        if (auto i = st.live.find(p.seq); i != st.live.end())
          i->second.last = std::move(p);
      },
      [=](atom::done, task_record& rec) {
        release(self, rec.seq, self->current_sender()
                                   ? self->current_sender()->address()
                                   : caf::actor_addr{});
      },
  };
}

} // namespace

scheduler_actor spawn_scheduler(caf::actor_system& sys, task_deps deps) {
  return sys.spawn(scheduler, std::move(deps));
}

} // namespace skyhaul
