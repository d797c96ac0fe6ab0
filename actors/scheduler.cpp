#include "actors/scheduler.hpp"

#include "protocol/settings.hpp"
#include "storage/blob_store.hpp"
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
};

struct scheduler_state {
  static inline const char* name = "scheduler";
  task_deps deps;
  /// Waiting tasks in FIFO order; `queued` says which entries still count
  /// (a paused or deleted task leaves a stale entry behind).
  std::deque<task_seq> queue;
  std::unordered_set<task_seq> queued;
  std::unordered_map<task_seq, live_task> live;
  /// Records written but not yet acknowledged by the store; reads see them
  /// first, so two quick requests on one task never act on a stale state.
  std::unordered_map<task_seq, std::pair<uint64_t, task_record>> dirty;
  uint64_t version = 0;
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
  auto& st = self->state;
  if (auto i = st.dirty.find(seq); i != st.dirty.end())
    return i->second.second;
  auto t = st.deps.db->read();
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

template <class F> void save(sched_ptr self, task_record rec, F then) {
  auto& st = self->state;
  rec.updated_ms = now_ms();
  auto v = ++st.version;
  auto seq = rec.seq;
  st.dirty[seq] = {v, rec};
  self->request(st.deps.store, store_timeout, caf::put_atom_v, std::move(rec))
      .then(
          [=](caf::ok_atom) mutable {
            auto i = self->state.dirty.find(seq);
            if (i != self->state.dirty.end() && i->second.first == v)
              self->state.dirty.erase(i);
            then(caf::error{});
          },
          [=](caf::error& err) mutable {
            auto i = self->state.dirty.find(seq);
            if (i != self->state.dirty.end() && i->second.first == v)
              self->state.dirty.erase(i);
            then(err);
          });
}

void start_ready(sched_ptr self) {
  auto& st = self->state;
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

void enqueue(sched_ptr self, task_seq seq, bool front = false) {
  auto& st = self->state;
  if (!st.queued.insert(seq).second)
    return;
  if (front)
    st.queue.push_front(seq);
  else
    st.queue.push_back(seq);
}

/// Rebuilds the queue after a start: interrupted downloads first.
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
    if (auto rec = storage::get_task(t, seq)) {
      rec->state = task_state::waiting;
      save(self, std::move(*rec), [](const caf::error&) {});
      enqueue(self, seq);
    }
  }
  storage::for_each_task_in_state(t, task_state::waiting, [&](task_seq seq) {
    enqueue(self, seq);
    return true;
  });
}

template <class T> using promise = caf::typed_response_promise<T>;

using ok_promise = promise<caf::ok_atom>;

void deliver(ok_promise rp, const caf::error& err) {
  if (err)
    rp.deliver(err);
  else
    rp.deliver(caf::ok_atom_v);
}

/// Takes the final record of a live task: it leaves the live set at once
/// (the overlay answers for it until the store has it) and a slot frees.
template <class F> void finish(sched_ptr self, task_record rec, F then) {
  auto seq = rec.seq;
  self->state.live.erase(seq);
  save(self, std::move(rec), std::move(then));
  start_ready(self);
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

live_task* find_live(sched_ptr self, user_id uid, task_seq seq) {
  auto& live = self->state.live;
  auto i = live.find(seq);
  if (i == live.end() || (uid != 0 && i->second.owner != uid))
    return nullptr;
  return &i->second;
}

// -- the operations on tasks that are not live (LMDB and the overlay) --------

void pause_stored(sched_ptr self, user_id uid, task_seq seq, ok_promise rp) {
  auto rec = load_owned(self, uid, seq);
  if (!rec) {
    rp.deliver(rec.error());
    return;
  }
  if (rec->state == task_state::paused) {
    rp.deliver(caf::ok_atom_v);
    return;
  }
  if (rec->state != task_state::waiting) {
    rp.deliver(make_error(ec::invalid_state,
                          std::string{"cannot pause a task that is "}
                              + to_string(rec->state)));
    return;
  }
  self->state.queued.erase(seq);
  rec->state = task_state::paused;
  save(self, std::move(*rec),
       [=](const caf::error& err) mutable { deliver(rp, err); });
}

void resume_stored(sched_ptr self, user_id uid, task_seq seq, ok_promise rp) {
  auto rec = load_owned(self, uid, seq);
  if (!rec) {
    rp.deliver(rec.error());
    return;
  }
  if (rec->state == task_state::waiting) {
    rp.deliver(caf::ok_atom_v);
    return;
  }
  if (rec->state != task_state::paused && rec->state != task_state::failed) {
    rp.deliver(make_error(ec::invalid_state,
                          std::string{"cannot resume a task that is "}
                              + to_string(rec->state)));
    return;
  }
  if (rec->state == task_state::failed)
    rec->tries = 0;
  rec->state = task_state::waiting;
  rec->error = ec::none;
  rec->error_message.clear();
  save(self, std::move(*rec), [=](const caf::error& err) mutable {
    deliver(rp, err);
    if (!err) {
      enqueue(self, seq);
      start_ready(self);
    }
  });
}

void cancel_stored(sched_ptr self, user_id uid, task_seq seq, ok_promise rp) {
  auto rec = load_owned(self, uid, seq);
  if (!rec) {
    rp.deliver(rec.error());
    return;
  }
  if (rec->state == task_state::cancelled) {
    rp.deliver(caf::ok_atom_v);
    return;
  }
  if (is_terminal(rec->state)) {
    rp.deliver(make_error(ec::invalid_state,
                          std::string{"cannot cancel a task that is "}
                              + to_string(rec->state)));
    return;
  }
  self->state.queued.erase(seq);
  rec->state = task_state::cancelled;
  save(self, std::move(*rec),
       [=](const caf::error& err) mutable { deliver(rp, err); });
}

void remove_stored(sched_ptr self, user_id uid, task_seq seq, bool del_file,
                   ok_promise rp) {
  auto rec = load_owned(self, uid, seq);
  if (!rec) {
    rp.deliver(rec.error());
    return;
  }
  auto& st = self->state;
  st.queued.erase(seq);
  st.dirty.erase(seq);
  if (del_file) {
    remove_partial_later(self->system(), st.deps.blobs, seq);
    remove_objects(self, *rec);
  }
  self->request(st.deps.store, store_timeout, atom::erase_v, seq)
      .then([=](caf::ok_atom) mutable { rp.deliver(caf::ok_atom_v); },
            [=](caf::error& err) mutable { rp.deliver(err); });
}

/// Asks a live task to stop with `Atom` (pause or cancel); its reply is the
/// record to persist. A task that ended meanwhile has handed its record over
/// already, so the stored path answers instead.
template <class Atom, class... Ts>
void stop_live(sched_ptr self, task_actor handle, user_id uid, task_seq seq,
               promise<caf::ok_atom> rp,
               std::function<void(ok_promise)> fallback,
               std::function<void(const task_record&)> after, Ts... xs) {
  self->request(handle, task_timeout, Atom{}, xs...)
      .then(
          [=](task_record& rec) mutable {
            auto copy = rec;
            finish(self, std::move(rec), [=](const caf::error& err) mutable {
              if (!err && after)
                after(copy);
              else
                deliver(rp, err);
            });
          },
          [=](caf::error&) mutable { fallback(rp); });
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
      auto seq = i->first;
      st.live.erase(i);
      // A live task quits only after handing over its record; one that
      // goes without it died, and is failed visibly, never dropped.
      if (auto rec = load(self, seq); rec && !is_terminal(rec->state)) {
        rec->state = task_state::failed;
        rec->error = ec::internal_error;
        rec->error_message
            = "task actor died: "
              + (dm.reason ? message_of(dm.reason) : std::string{"no reason"});
        save(self, std::move(*rec), [](const caf::error&) {});
      }
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
        save(self, std::move(rec), [=](const caf::error& err) mutable {
          if (err) {
            rp.deliver(err);
            return;
          }
          rp.deliver(seq);
          // A task created paused stays out of the queue until resumed;
          // a waiting one joins it unless it changed meanwhile.
          if (!waiting)
            return;
          if (auto r = load(self, seq); r && r->state == task_state::waiting) {
            enqueue(self, seq);
            start_ready(self);
          }
        });
        return rp;
      },
      [=](atom::pause, user_id uid, task_seq seq) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        auto fallback = [=](ok_promise p) { pause_stored(self, uid, seq, p); };
        if (auto lt = find_live(self, uid, seq))
          stop_live<atom::pause>(self, lt->handle, uid, seq, rp, fallback,
                                 nullptr);
        else
          fallback(rp);
        return rp;
      },
      [=](atom::resume, user_id uid,
          task_seq seq) -> caf::result<caf::ok_atom> {
        if (find_live(self, uid, seq))
          return caf::ok_atom_v;
        auto rp = self->make_response_promise<caf::ok_atom>();
        resume_stored(self, uid, seq, rp);
        return rp;
      },
      [=](atom::cancel, user_id uid,
          task_seq seq) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        auto fallback = [=](ok_promise p) { cancel_stored(self, uid, seq, p); };
        if (auto lt = find_live(self, uid, seq))
          stop_live<atom::cancel>(self, lt->handle, uid, seq, rp, fallback,
                                  nullptr, false);
        else
          fallback(rp);
        return rp;
      },
      [=](atom::remove, user_id uid, task_seq seq,
          bool del_file) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        auto fallback
            = [=](ok_promise p) { remove_stored(self, uid, seq, del_file, p); };
        if (auto lt = find_live(self, uid, seq))
          stop_live<atom::cancel>(
              self, lt->handle, uid, seq, rp, fallback,
              [=](const task_record&) mutable { fallback(rp); }, del_file);
        else
          fallback(rp);
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
          if (auto i = st.dirty.find(ts.rec.seq); i != st.dirty.end()) {
            ts.rec = i->second.second;
          } else if (auto j = st.live.find(ts.rec.seq); j != st.live.end()) {
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
        if (self->state.live.count(rec.seq) == 0)
          return;
        finish(self, std::move(rec), [](const caf::error&) {});
      },
  };
}

} // namespace

scheduler_actor spawn_scheduler(caf::actor_system& sys, task_deps deps) {
  return sys.spawn(scheduler, std::move(deps));
}

} // namespace skyhaul
