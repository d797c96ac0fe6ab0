#include "actors/community.hpp"

#include "actors/timeouts.hpp"
#include "actors/torrent_seed_make.hpp"

#include "base/hex.hpp"
#include "base/metainfo.hpp"
#include "storage/blob_store.hpp"
#include "storage/community_gate.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/task_table.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>

namespace skyhaul {

namespace {

struct community_state {
  static inline const char* name = "community";
  storage::lmdb_env* db = nullptr;
  const storage::blob_store* blobs = nullptr;
  store_actor store;
  tracker_actor tracker;
  scheduler_actor scheduler;
};

using community_ptr = community_actor::stateful_pointer<community_state>;

/// The tracker's cached facts of a post that changed go; a deleted post's
/// swarm goes with them.
void tell_tracker(community_ptr self, community_op op,
                  const community_outcome& out) {
  if (out.post.info_hash.empty())
    return;
  bool deleted = op == community_op::delete_post;
  if (op == community_op::update_post || deleted
      || op == community_op::put_metainfo)
    if (auto raw = from_hex(out.post.info_hash))
      self->send(self->state.tracker, atom::forget_v, *raw, deleted);
}

/// The metainfo of post `pid` as `uid` may download it, announcing to
/// `announce_base` with their passkey; or why not.
caf::expected<std::string> torrent_for(const community_state& st, user_id uid,
                                       uint64_t pid,
                                       const std::string& announce_base) {
  auto t = st.db->read();
  auto user = storage::get_user(t, uid);
  if (!user)
    return make_error(ec::forbidden, "Unknown user");
  auto gated = storage::gate_metainfo(t, *user, pid);
  if (gated.code != ec::none)
    return make_error(gated.code, gated.message);
  return with_announce(gated.torrent, announce_base + "/" + user->passkey);
}

/// The torrent of the caller's finished task `seq` that kept none (an
/// HTTP or FTP download of one file), made from its stored blob; fills
/// the post's facts. Blocking: reads the file.
caf::error make_torrent_of(storage::lmdb_env* db,
                           const storage::blob_store* blobs,
                           community_write& w) {
  std::optional<task_record> rec;
  {
    auto t = db->read();
    rec = storage::get_task(t, w.from_task);
  }
  if (!rec || rec->owner != w.caller)
    return make_error(ec::not_found, "No such task");
  if (rec->files.size() != 1 || rec->files.front().blob.empty())
    return make_error(ec::invalid_argument,
                      "Only a task that stored one file makes a torrent");
  auto& f = rec->files.front();
  std::string error;
  auto made = make_file_torrent(f.name, blobs->blob_path(f.blob), f.size,
                                error);
  std::optional<metainfo_facts> facts;
  if (made)
    facts = check_metainfo(*made, error);
  if (!facts)
    return make_error(ec::invalid_argument,
                      "The task's file makes no torrent: " + error);
  w.torrent = std::move(*made);
  w.post.info_hash = to_hex(facts->info_hash);
  w.post.size = facts->size;
  return caf::none;
}

/// How long making a torrent of a task's file may take: hashing reads it
/// whole (a client that asked gets its answer, or its 500, sooner).
constexpr auto make_torrent_timeout = std::chrono::minutes(30);

/// Hands `w` to the store and tells the tracker what changed.
void store_write(community_ptr self, community_write w,
                 caf::typed_response_promise<community_outcome> rp) {
  auto op = w.op;
  self->request(self->state.store, store_timeout, atom::community_v,
                std::move(w))
      .then(
          [=](community_outcome& out) mutable {
            tell_tracker(self, op, out);
            rp.deliver(std::move(out));
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

} // namespace

community_actor::behavior_type community(community_ptr self,
                                         storage::lmdb_env* db,
                                         store_actor store,
                                         tracker_actor tracker,
                                         scheduler_actor scheduler,
                                         const storage::blob_store* blobs) {
  auto& st = self->state;
  st.db = db;
  st.blobs = blobs;
  st.store = std::move(store);
  st.tracker = std::move(tracker);
  st.scheduler = std::move(scheduler);
  return {
      [=](atom::community, community_write& w) {
        auto rp = self->make_response_promise<community_outcome>();
        if (w.op == community_op::create_post && w.from_task != 0
            && w.torrent.empty()) {
          // Hashing the file blocks: a worker makes the torrent and
          // answers the write with it, which then goes on here.
          auto db = self->state.db;
          auto blobs = self->state.blobs;
          auto worker = self->spawn<caf::detached>(
              [db, blobs](caf::event_based_actor* me) -> caf::behavior {
                return {
                    [=](community_write& w) -> caf::result<community_write> {
                      me->quit();
                      if (auto err = make_torrent_of(db, blobs, w))
                        return err;
                      return std::move(w);
                    },
                };
              });
          self->request(worker, make_torrent_timeout, std::move(w))
              .then(
                  [=](community_write& made) mutable {
                    store_write(self, std::move(made), rp);
                  },
                  [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
          return rp;
        }
        store_write(self, std::move(w), rp);
        return rp;
      },
      [=](atom::fetch, user_id uid, uint64_t pid, task_spec& spec,
          std::string& announce_base) -> caf::result<task_seq> {
        auto torrent = torrent_for(self->state, uid, pid, announce_base);
        if (!torrent)
          return std::move(torrent.error());
        spec.url.clear();
        spec.torrent = std::move(*torrent);
        auto rp = self->make_response_promise<task_seq>();
        self->request(self->state.scheduler, store_timeout, atom::create_v,
                      uid, std::move(spec))
            .then([=](task_seq seq) mutable { rp.deliver(seq); },
                  [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
  };
}

community_actor spawn_community(caf::actor_system& sys, storage::lmdb_env* db,
                                store_actor store, tracker_actor tracker,
                                scheduler_actor scheduler,
                                const storage::blob_store* blobs) {
  return sys.spawn(community, db, std::move(store), std::move(tracker),
                   std::move(scheduler), blobs);
}

} // namespace skyhaul
