// The scheduler's writes: one operation per task at a time, and the
// operations on tasks without an actor, whose records it alone writes.

#include "actors/scheduler_internal.hpp"

#include "actors/backoff.hpp"
#include "protocol/settings.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"
#include "storage/task_table.hpp"

#include <caf/all.hpp>
#include <iostream>

namespace skyhaul::sched {

std::optional<task_record> load(sched_ptr self, task_seq seq) {
  auto t = self->state.deps.db->read();
  return storage::get_task(t, seq);
}

caf::expected<task_record> load_owned(sched_ptr self, user_id uid,
                                      task_seq seq) {
  auto rec = load(self, seq);
  if (!rec || (uid != 0 && rec->owner != uid))
    return make_error(ec::not_found, "no such task: " + format_tid(seq));
  return std::move(*rec);
}

void save(sched_ptr self, task_record rec, done_fn then) {
  rec.updated_ms = now_ms();
  self->request(self->state.deps.store, store_timeout, caf::put_atom_v,
                std::move(rec))
      .then([=](caf::ok_atom) { then(caf::error{}); },
            [=](caf::error& err) { then(err); });
}

// -- one operation per task at a time -----------------------------------------

void serialize(sched_ptr self, task_seq seq, std::function<void()> op) {
  auto& q = self->state.ops[seq];
  q.push_back(std::move(op));
  if (q.size() == 1) {
    // Moved out, its slot left in place: the operation may end at once
    // and pop that slot.
    auto run = std::move(q.front());
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
  auto run = std::move(i->second.front());
  run();
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
  if (!rec->info_hash.empty() || !rec->spec.torrent.empty())
    // The metadata is known: a resume without a choice takes every file
    // (task_spec::pick_files).
    rec->spec.pick_files = false;
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

namespace {

void remove_objects(sched_ptr self, const task_record& rec) {
  auto& st = self->state;
  for (auto& f : rec.files) {
    if (!f.concrete)
      continue;
    // Only the object this task wrote; a later task may own the key now,
    // also with the same bytes (the same blob): its commit time tells.
    std::optional<storage::object_entry> cur;
    {
      auto t = st.deps.db->read();
      cur = storage::get_object(t, rec.spec.bucket, f.key);
    }
    if (cur && cur->file.blob == f.blob
        && cur->file.last_modified_ms == f.last_modified_ms)
      self->request(st.deps.store, store_timeout, atom::erase_v,
                    rec.spec.bucket, f.key)
          .then([](caf::ok_atom) {}, [](caf::error&) {});
  }
}

} // namespace

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

namespace {

/// The failure of task `seq` was not stored (`err`): asked again later.
void fail_later(sched_ptr self, task_seq seq, const std::string& why,
                const caf::error& err) {
  auto tries = ++self->state.failing[seq];
  if (tries == 1)
    std::cerr << "skyhauld: task " << seq << " lost its actor (" << why
              << ") and its failure could not be stored (" << message_of(err)
              << "); it is tried again\n";
  self->delayed_send(self, backoff_delay(250, 5000, tries), atom::retry_v, seq,
                     why);
}

/// The failure of task `seq` needs no more writes.
void failure_settled(sched_ptr self, task_seq seq, bool stored) {
  auto& st = self->state;
  if (st.failing.erase(seq) > 0 && stored)
    std::cerr << "skyhauld: task " << seq << " stored its failure\n";
}

} // namespace

// The flush makes every write the dead actor sent before it died durable
// first, so the record read here is its last.
void fail_dead(sched_ptr self, task_seq seq, std::string why) {
  serialize(self, seq, [self, seq, why] {
    self->request(self->state.deps.store, store_timeout, atom::flush_v)
        .then(
            [=](caf::ok_atom) {
              auto rec = load(self, seq);
              if (!rec || is_terminal(rec->state)) {
                // Deleted, or ended by a later operation (a cancel).
                failure_settled(self, seq, false);
                return next_op(self, seq);
              }
              rec->state = task_state::failed;
              rec->error = ec::internal_error;
              rec->error_message = "task actor died: " + why;
              save(self, std::move(*rec), [=](const caf::error& err) {
                if (err)
                  fail_later(self, seq, why, err);
                else
                  failure_settled(self, seq, true);
                next_op(self, seq);
              });
            },
            [=](caf::error& err) {
              fail_later(self, seq, why, err);
              next_op(self, seq);
            });
  });
}

} // namespace skyhaul::sched
