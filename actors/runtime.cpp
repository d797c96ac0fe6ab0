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
#include "storage/rules/group_commit.hpp"
#include "storage/task_table.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <filesystem>
#include <iostream>

namespace skyhaul {

namespace {

/// Threads for the blocking file work of all tasks. Removing folders and
/// fsync wait on the disk, not the CPU: a few keep the disk busy.
constexpr size_t disk_threads = 2;

/// How long a stop waits for each actor to exit. Their last work (flushes,
/// resume data) is bounded by requests before their exit; what is left
/// takes milliseconds.
constexpr auto exit_limit = std::chrono::seconds(5);

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
    blobs->remove_halfway_partials();
  });
}

} // namespace

bool stop_within(caf::scoped_actor& self, const caf::actor& who,
                 const std::string& name, std::chrono::milliseconds limit) {
  if (!who)
    return true;
  auto addr = who.address();
  self->monitor(who);
  self->send_exit(who, caf::exit_reason::user_shutdown);
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool gone = false;
  bool late = false;
  while (!gone && !late) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0)
      left = std::chrono::milliseconds{0};
    // Another actor's down message (one that exited late) is not this one.
    self->receive(
        [&](caf::down_msg& down) { gone = down.source == addr; },
        caf::after(left) >> [&] { late = true; });
  }
  if (!gone) {
    self->demonitor(who);
    std::cerr << "skyhauld: " << name << " did not exit within "
              << limit.count() << " ms; stopping without it\n";
  }
  return gone;
}

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
  // Before any write: a crash between a download's move into the blob
  // store and the commit of its object left a blob nothing references.
  if (auto n = storage::rules::settle_adoptions(*db_, *blobs_); n > 0)
    std::cerr << "skyhauld: removed " << n
              << " blob file(s) a crash left before their commit\n";
  // And one after a commit that dropped a blob's last reference left its
  // file.
  if (auto n = storage::rules::remove_doomed_blobs(*db_, *blobs_); n > 0)
    std::cerr << "skyhauld: removed " << n
              << " blob file(s) a crash left without a reference\n";
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
  auto stop = [&](const auto& who, const char* name) {
    stop_within(self, caf::actor_cast<caf::actor>(who), name, exit_limit);
  };
  // The community goes first; the tracker's last figures reach the store
  // before the store's final flush below.
  stop(community_, "the community actor");
  self->request(tracker_, std::chrono::seconds(30), atom::flush_v)
      .receive([](caf::ok_atom) {}, [](caf::error&) {});
  stop(tracker_, "the tracker");
  // Tasks keep their state in LMDB and their bytes on disk: stopping the
  // scheduler (and with it, its linked-by-monitor tasks) loses nothing.
  stop(scheduler_, "the scheduler");
  // Every torrent's resume data, clean, in the store before it goes.
  self->request(torrents_, std::chrono::seconds(60), atom::flush_v)
      .receive([](caf::ok_atom) {}, [](caf::error&) {});
  stop(torrents_, "the torrent session");
  stop(fetch_, "http_fetch");
  // Uploads in flight abort; their jobs stay owed in LMDB.
  stop(uploader_, "the uploader");
  // Pushes in flight abort; their jobs stay owed in LMDB.
  stop(pusher_, "the pusher");
  // Deliveries in flight are dropped; their events stay in the outbox.
  stop(callback_, "the callback actor");
  self->request(store_, std::chrono::seconds(30), atom::flush_v)
      .receive([](caf::ok_atom) {}, [](caf::error&) {});
  stop(store_, "the store");
  // After the store: it publishes to the hub until its last commit.
  stop(events_, "the event hub");
  // Its users are gone (each dropped its jobs on the way out).
  curl_->shutdown();
}

} // namespace skyhaul
