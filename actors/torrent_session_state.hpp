#pragma once

// The state of the torrent session actor and the steps its handlers share:
// actors/torrent_session.cpp holds the behaviour and the steps,
// actors/torrent_events.cpp turns libtorrent's alerts into them.

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <libtorrent/session.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "actors/torrent_alerts.hpp"
#include "actors/torrent_entry.hpp"
#include "storage/blob_store.hpp"

namespace skyhaul::storage {
class lmdb_env;
} // namespace skyhaul::storage

namespace skyhaul {

struct settings;

namespace torrent_session_impl {

struct session_state {
  static inline const char* name = "torrent_session";
  const settings* cfg = nullptr;
  store_actor store;
  std::unique_ptr<lt::session> ses;
  std::map<task_seq, torrent_entry> entries;
  /// Routing: alerts that name the info-hash go through `by_hash`, the
  /// others through `by_handle` (ordered by libtorrent's own handle
  /// order, which stays stable after the torrent is gone). Either way the
  /// alert's handle must be the entry's current one: an alert of a handle
  /// that was removed (a magnet link's first add) never counts for the
  /// torrent added after it.
  std::unordered_map<std::string, task_seq> by_hash;
  std::map<lt::torrent_handle, task_seq> by_handle;
  int64_t last_resume_ms = 0;
  /// A graceful stop in progress: the tasks whose clean save is awaited.
  bool flushing = false;
  std::set<task_seq> flush_waiting;
  ok_promise flush_rp;
  /// Post seeds (actors/torrent_seed.cpp): the database they are read
  /// from (none: no post is seeded), the blobs they link, the announce
  /// base of Skyhaul's own tracker once known, when they were last
  /// matched, and posts whose seed failed, not retried before the time.
  storage::lmdb_env* db = nullptr;
  std::unique_ptr<storage::blob_store> blobs;
  std::string own_announce;
  int64_t last_seed_ms = 0;
  std::map<uint64_t, int64_t> seed_blocked;

  ~session_state() {
    if (ses)
      ses->set_alert_notify([] {});
  }
};

using session_ptr = torrent_session_actor::stateful_pointer<session_state>;

torrent_entry* find(session_ptr self, task_seq seq);

torrent_entry* find_hash(session_ptr self, const std::string& hash);

/// The entry whose current handle is `h`.
torrent_entry* find_handle(session_ptr self, const lt::torrent_handle& h);

/// The entry an alert naming `hash` and `h` belongs to: only the entry
/// whose current handle is `h`, so alerts of a handle that was removed (a
/// magnet link's first add, a stray add) never count for another.
torrent_entry* route(session_ptr self, const std::string& hash,
                     const lt::torrent_handle& h);

/// Gives `e` the handle `h` (invalid while re-adding) and restarts the
/// counts of saves and flushes, which belong to one handle.
void set_handle(session_ptr self, torrent_entry& e, lt::torrent_handle h);

void forget(session_ptr self, task_seq seq);

/// Tells the task how its torrent ended; once, and never after a stop.
void report_done(session_ptr self, torrent_entry& e, ec code,
                 std::string msg);

/// The clean save of a graceful stop for `seq` is answered (or its torrent
/// is gone).
void flush_answered(session_ptr self, task_seq seq);

/// Asks for resume data; periodic saves only when something changed.
/// `clean` marks a stop (its answer and every later one count as clean).
void save_resume(torrent_entry& e, bool clean, bool periodic = false);

/// Has libtorrent write every block it queued for `e` so far; the answer is
/// a `cache_flushed_alert`, and the index returned counts it.
uint64_t flush(torrent_entry& e);

/// A save that counts as clean: resume data that lists a piece whose
/// writes never reached the file would skip the recheck after a crash, so
/// the writes are flushed first (see `on_update` in torrent_events.cpp)
/// when there may be any.
void clean_save(torrent_entry& e);

void remove_now(session_ptr self, torrent_entry& e);

/// A clean stop: clean resume data, stored, then the torrent goes.
void pause_entry(session_ptr self, torrent_entry& e);

void remove_entry(session_ptr self, torrent_entry& e, bool delete_files);

void send_meta(session_ptr self, torrent_entry& e);

/// Takes every waiting alert and acts on it (actors/torrent_events.cpp).
void pump(session_ptr self);

/// The entries key of post `pid`'s seed: apart from every task's.
task_seq seed_key(uint64_t pid);

/// Matches the session's post seeds to the stored ones: adds the missing
/// (files linked from their blobs, pieces checked on add), removes those
/// whose post or blob went (actors/torrent_seed.cpp).
void match_seeds(session_ptr self);

/// A post's seed failed: logged, and not tried again for a while.
void seed_failed(session_ptr self, torrent_entry& e, const std::string& why);

} // namespace torrent_session_impl

} // namespace skyhaul
