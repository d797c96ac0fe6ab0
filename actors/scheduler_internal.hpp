#pragma once

// The scheduler's state and the steps its handlers (actors/scheduler.cpp)
// share with its writes of tasks without an actor
// (actors/scheduler_ops.cpp).

#include "actors/scheduler.hpp"
#include "actors/timeouts.hpp"
#include "base/metrics.hpp"

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace skyhaul::sched {

constexpr auto task_timeout = std::chrono::seconds(30);

struct live_task {
  task_actor handle;
  user_id owner = 0;
  fetch_progress last;
  /// Counts the task in `skyhaul_active_transfers` while it is live.
  base::metrics::active_transfer active;
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
  /// Tasks whose actor died and whose failure is not stored yet (the store
  /// refused the write): the attempts so far. Their status says they wait
  /// for storage.
  std::unordered_map<task_seq, uint32_t> failing;
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

std::optional<task_record> load(sched_ptr self, task_seq seq);

/// Loads a task of `uid` (0: any owner); not_found for another user's.
caf::expected<task_record> load_owned(sched_ptr self, user_id uid,
                                      task_seq seq);

/// Writes a record no actor owns; `then` gets the outcome once durable.
void save(sched_ptr self, task_record rec, done_fn then);

/// Runs `op` once the operations on `seq` queued before it have ended.
/// `op` must call `next_op(self, seq)` exactly once when it ends.
void serialize(sched_ptr self, task_seq seq, std::function<void()> op);

void next_op(sched_ptr self, task_seq seq);

/// Starts waiting tasks while slots are free.
void start_ready(sched_ptr self);

/// Appends a waiting task to the queue (once).
void enqueue(sched_ptr self, task_seq seq);

// -- the operations on tasks without an actor (actors/scheduler_ops.cpp) ----

void pause_stored(sched_ptr self, user_id uid, task_seq seq, done_fn done);
void resume_stored(sched_ptr self, user_id uid, task_seq seq, done_fn done);
void cancel_stored(sched_ptr self, user_id uid, task_seq seq, done_fn done);

/// Deletes the record; `del_file` also deletes the partial folder and the
/// objects the task wrote.
void remove_stored(sched_ptr self, user_id uid, task_seq seq, bool del_file,
                   done_fn done);

/// A task actor died without handing over a final record: with no actor
/// left, the scheduler fails it visibly, never drops it. A store that
/// refuses the write (no room, an I/O error) is asked again after a
/// backoff (`atom::retry`) until the failure is stored or the task is gone.
void fail_dead(sched_ptr self, task_seq seq, std::string why);

} // namespace skyhaul::sched
