#include "actors/runtime.hpp"

#include "base/crypto.hpp"

#include "actors/callback.hpp"
#include "actors/community.hpp"
#include "actors/curl_loop.hpp"
#include "actors/disk_pool.hpp"
#include "actors/event_hub.hpp"
#include "actors/http_fetch.hpp"
#include "actors/pusher.hpp"
#include "actors/scheduler.hpp"
#include "actors/store.hpp"
#include "actors/torrent_session.hpp"
#include "actors/tracker.hpp"
#include "actors/uploader.hpp"
#include "base/secretbox.hpp"
#include "storage/archive_cache.hpp"
#include "storage/blob_store.hpp"
#include "storage/level_table.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/rows.hpp"
#include "storage/task_table.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <filesystem>

namespace skyhaul {

namespace {

/// Threads for the blocking file work of all tasks. Removing folders and
/// fsync wait on the disk, not the CPU: a few keep the disk busy.
constexpr size_t disk_threads = 2;

/// Removes partial folders no live task will use again: those of finished
/// or deleted tasks (a torrent that seeded until the last stop leaves its
/// folder behind). Runs on the disk pool: a large folder takes a while.
void sweep_partials(disk_pool& disk, storage::lmdb_env* db,
                    const storage::blob_store* blobs) {
  disk.submit([db, blobs] {
    namespace fs = std::filesystem;
    std::error_code err;
    std::vector<task_seq> gone;
    for (auto& entry :
         fs::directory_iterator(blobs->data_dir() + "/partial", err)) {
      auto seq = parse_tid(entry.path().filename().string());
      if (!seq)
        continue;
      auto t = db->read();
      auto rec = storage::get_task(t, *seq);
      if (!rec || rec->state == task_state::finished)
        gone.push_back(*seq);
    }
    for (auto seq : gone)
      blobs->remove_partial(seq);
  });
}

} // namespace

runtime::runtime(caf::actor_system& sys, settings cfg)
    : sys_(sys), cfg_(std::move(cfg)) {
  db_ = std::make_unique<storage::lmdb_env>(cfg_.data_dir + "/db",
                                            cfg_.map_size);
  blobs_ = std::make_unique<storage::blob_store>(cfg_.data_dir);
  disk_ = std::make_unique<disk_pool>(disk_threads);
  {
    auto t = db_->write();
    using storage::text_row;
    if (auto row = t.get_as<text_row>(storage::table::meta, "link_secret")) {
      link_secret_ = row->text;
    } else {
      link_secret_ = random_hex(32);
      t.put(storage::table::meta, "link_secret", text_row{link_secret_});
    }
    storage::seed_levels(t);
    t.commit();
  }
  secrets_ = std::make_shared<const base::secretbox>(
      base::secretbox::from_key_file(cfg_.data_dir + "/secret.key"));
  std::vector<std::string> idcs;
  for (auto& idc : cfg_.idcs)
    idcs.push_back(idc.name);
  // What is kept beside a blob (archive listings, unpacked entries) goes
  // with it, on the disk pool rather than the store's thread.
  blobs_->on_removed([disk = disk_.get(), dir = cfg_.data_dir](
                         const std::string& blob) {
    disk->submit([dir, blob] { storage::remove_derived(dir, blob); });
  });
  store_ = spawn_store(sys_, db_.get(), blobs_.get(), idcs,
                       cfg_.replica_max_tries, cfg_.push_max_tries,
                       storage::rules::quota_rule{cfg_.plans,
                                                  cfg_.default_plan});
  // Named before any write: every event from the first one on is
  // published.
  events_ = spawn_event_hub(sys_, db_.get());
  caf::anon_send(store_, atom::notify_v, events_, cfg_.event_retention_count,
                 int64_t{cfg_.event_retention_age_s} * 1000);
  curl_ = std::make_shared<curl_loop>(curl_defaults::from(cfg_));
  fetch_ = spawn_http_fetch(sys_, curl_, cfg_);
  // Named before any task can end: the store wakes it from then on, and it
  // loads what an earlier run left owed itself.
  callback_ = spawn_callback(sys_, &cfg_, db_.get(), store_, curl_);
  caf::anon_send(store_, atom::notify_v, callback_);
  if (!cfg_.idcs.empty()) {
    uploader_ = spawn_uploader(
        sys_, cfg_, db_.get(), blobs_.get(), store_, curl_,
        sigv4_signer);
    caf::anon_send(store_, atom::notify_v, uploader_);
  }
  // Loads the pushes an earlier run left owed itself.
  pusher_ = spawn_pusher(sys_, cfg_, db_.get(), blobs_.get(), store_, curl_,
                         secrets_);
  caf::anon_send(store_, atom::notify_v, pusher_);
  torrents_ = spawn_torrent_session(sys_, &cfg_, store_, db_.get());
  task_deps deps;
  deps.cfg = &cfg_;
  deps.db = db_.get();
  deps.blobs = blobs_.get();
  deps.disk = disk_.get();
  deps.store = store_;
  deps.fetch = fetch_;
  deps.torrents = torrents_;
  scheduler_ = spawn_scheduler(sys_, deps);
  tracker_ = spawn_tracker(sys_, &cfg_, db_.get(), store_);
  community_ = spawn_community(sys_, db_.get(), store_, tracker_, scheduler_,
                               blobs_.get());
  sweep_partials(*disk_, db_.get(), blobs_.get());
}

runtime::~runtime() {
  shutdown();
}

void runtime::shutdown() {
  if (stopped_)
    return;
  stopped_ = true;
  caf::scoped_actor self{sys_};
  // The community goes first; the tracker's last figures reach the store
  // before the store's final flush below.
  self->send_exit(community_, caf::exit_reason::user_shutdown);
  self->wait_for(community_);
  self->request(tracker_, std::chrono::seconds(30), atom::flush_v)
      .receive([](caf::ok_atom) {}, [](caf::error&) {});
  self->send_exit(tracker_, caf::exit_reason::user_shutdown);
  self->wait_for(tracker_);
  // Tasks keep their state in LMDB and their bytes on disk: stopping the
  // scheduler (and with it, its linked-by-monitor tasks) loses nothing.
  self->send_exit(scheduler_, caf::exit_reason::user_shutdown);
  self->wait_for(scheduler_);
  // Every torrent's resume data, clean, in the store before it goes.
  self->request(torrents_, std::chrono::seconds(60), atom::flush_v)
      .receive([](caf::ok_atom) {}, [](caf::error&) {});
  self->send_exit(torrents_, caf::exit_reason::user_shutdown);
  self->wait_for(torrents_);
  self->send_exit(fetch_, caf::exit_reason::user_shutdown);
  self->wait_for(fetch_);
  // Uploads in flight abort; their jobs stay owed in LMDB.
  if (uploader_) {
    self->send_exit(uploader_, caf::exit_reason::user_shutdown);
    self->wait_for(uploader_);
  }
  // Pushes in flight abort; their jobs stay owed in LMDB.
  self->send_exit(pusher_, caf::exit_reason::user_shutdown);
  self->wait_for(pusher_);
  // Deliveries in flight are dropped; their events stay in the outbox.
  self->send_exit(callback_, caf::exit_reason::user_shutdown);
  self->wait_for(callback_);
  self->request(store_, std::chrono::seconds(30), atom::flush_v)
      .receive([](caf::ok_atom) {}, [](caf::error&) {});
  self->send_exit(store_, caf::exit_reason::user_shutdown);
  self->wait_for(store_);
  // After the store: it publishes to the hub until its last commit.
  self->send_exit(events_, caf::exit_reason::user_shutdown);
  self->wait_for(events_);
  // Its users are gone (each dropped its jobs on the way out).
  curl_->shutdown();
}

} // namespace skyhaul
