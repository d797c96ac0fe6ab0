#pragma once

// The state and the shared steps of task actors: actors/task.cpp drives
// HTTP sources, actors/torrent_task*.cpp BitTorrent ones (their steps in
// actors/torrent_task_steps.hpp), behind one interface (`task_actor`).

#include "actors/task.hpp"

#include <caf/stateful_actor.hpp>
#include "actors/timeouts.hpp"
#include "storage/no_space.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace skyhaul::detail {

/// Where a live task is in its life; guards against late messages.
enum class phase {
  /// HTTP: the transfer runs. Torrent: the `.torrent` is being fetched.
  fetching,
  /// Waiting for the next attempt.
  backoff,
  /// HTTP: the file is being fsynced.
  finalizing,
  /// Torrent: the torrent is in the session.
  swarm,
  /// Torrent: the wanted files are being hashed and fsynced.
  hashing,
  /// Objects are being committed.
  storing,
  /// Paused, cancelled, finished or failed: nothing more happens.
  ended,
};

struct task_state_t {
  static inline const char* name = "task";
  task_record rec;
  task_deps deps;
  phase at = phase::fetching;
  uint64_t speed = 0;
  /// A torrent task: its live figures for status queries.
  bool torrent = false;
  torrent_view bt;
  /// When the current attempt's magnet metadata is due; a timer of an
  /// earlier attempt fires before it and is ignored. Monotonic, like the
  /// timer itself: a wall clock set back must not make the timeout vanish.
  std::chrono::steady_clock::time_point metadata_due;
  /// The final record is durable: stop requests get it at once.
  bool settled = false;
  /// The state the stored record holds while the final one is on its way
  /// to the store: status answers it, so no reply names a state a crash
  /// could still take back.
  task_state stored_state = task_state::downloading;
  /// Stop requests that came before the final record was durable.
  std::vector<caf::typed_response_promise<task_record>> waiting;
  /// Torrent: how often the files read back failed the torrent's hashes
  /// and the torrent was checked again.
  uint32_t rechecks = 0;
  /// HTTP: the parts of a segmented transfer as last reported, for status
  /// queries.
  std::vector<fetch_part> parts;
  /// HTTP: what the transfer waits for while it moves no bytes, as its
  /// last progress said; empty while it runs.
  std::string stalled;
  /// The size promised against the owner's quota (-1: none asked yet).
  int64_t reserved = -1;
  /// A finishing step (fsync, read back, commit) that found no file
  /// descriptor: it runs again at the next `atom::retry`.
  std::function<void()> deferred;
  /// The final record found no room in the store (a full disk or map): it
  /// is put again at the next `atom::retry`; `settle_waits` logs once.
  bool settle_again = false;
  bool settle_waits = false;
  /// Torrent: the info section the files are being hashed against, kept
  /// for a read back that must run again.
  std::string info_section;
};

using task_ptr = task_actor::stateful_pointer<task_state_t>;

/// Writes the record; `then` runs once it is durable. Without a durable
/// record the task cannot go on honestly: a failed write kills it.
template <class F> void persist(task_ptr self, F then) {
  auto& rec = self->state.rec;
  rec.updated_ms = now_ms();
  self->request(self->state.deps.store, store_timeout, caf::put_atom_v, rec)
      .then([=](caf::ok_atom) mutable { then(); },
            [=](caf::error& err) { self->quit(err); });
}

void persist_quietly(task_ptr self);

/// The task ended on its own (finished or failed): stops its transfer and
/// settles.
void end(task_ptr self, task_state s, ec code = ec::none,
         std::string msg = {});

void fail(task_ptr self, ec code, std::string msg);

/// Asks the store to promise `total` bytes (the download's size, once
/// known, and again when it changes) of the owner's quota: a download that
/// cannot fit fails now instead of after its bytes were fetched.
void reserve_space(task_ptr self, int64_t total);

/// Writes the final record in state `s` (the phase is `ended` already and
/// the transfer stopped), then answers every waiting stop request with it
/// and hands it to the scheduler (`atom::done`). A store without room for
/// it (a full disk or LMDB map) is asked again every second until there
/// is: the end of a task is never left unstored while the daemon runs.
void settle(task_ptr self, task_state s);

/// The `atom::retry` of an ended task: puts the final record again when
/// it found no room; false when it needs no retry.
bool settle_again(task_ptr self);

/// The final record cannot be made durable: every waiting stop request
/// gets `err` and the actor quits, so the scheduler sees it die and fails
/// the task.
void give_up(task_ptr self, const caf::error& err);

/// The answer to a stop request (`pause`, `cancel`): the final record, at
/// once when it is durable, else once `settle` made it so.
caf::result<task_record> when_settled(task_ptr self);

/// A finishing step failed with `err`: when it failed for want of file
/// descriptors (EMFILE, ENFILE; actors/fd_budget.hpp), `step` runs again
/// after a short wait and this returns true. Running out of descriptors
/// holds a task up; it never fails it.
bool defer_for_descriptors(task_ptr self, const std::string& err,
                           std::function<void()> step);

/// Runs the step `defer_for_descriptors` put aside; false when none.
bool run_deferred(task_ptr self);

/// Commits `c` to the store; `then` gets the stored file. A failed commit
/// fails the task, unless it failed for want of descriptors: then it is
/// tried again.
template <class F> void commit_object(task_ptr self, object_commit c, F then) {
  self->request(self->state.deps.store, store_timeout, atom::commit_v, c)
      .then([=](object_commit_result& res) mutable { then(res.file); },
            [=](caf::error& err) {
              auto msg = message_of(err);
              if (defer_for_descriptors(self, msg, [=] {
                    commit_object(self, c, then);
                  }))
                return;
              // The store's code stays: a full disk or map is a 507.
              auto code = code_of(err) == ec::insufficient_storage
                              ? ec::insufficient_storage
                              : storage::storage_error_code(msg);
              fail(self, code, "storing an object failed: " + msg);
            });
}

/// Checks a downloaded file against the expected size and digests of
/// `spec`; returns the mismatch (and sets `code`) or an empty text.
std::string verify(const task_spec& spec, const file_record& file, ec& code);

/// The live status of the task.
task_status status_of(task_ptr self);

/// The behaviour of a torrent task (actors/torrent_task.cpp; its steps in
/// actors/torrent_task_start.cpp and actors/torrent_task_finish.cpp).
task_actor::behavior_type torrent_task(task_ptr self);

} // namespace skyhaul::detail
