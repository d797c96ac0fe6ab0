#include "actors/community.hpp"

#include "actors/timeouts.hpp"

#include "base/hex.hpp"
#include "base/metainfo.hpp"
#include "storage/community_gate.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>

namespace skyhaul {

namespace {

struct community_state {
  static inline const char* name = "community";
  storage::lmdb_env* db = nullptr;
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

} // namespace

community_actor::behavior_type community(community_ptr self,
                                         storage::lmdb_env* db,
                                         store_actor store,
                                         tracker_actor tracker,
                                         scheduler_actor scheduler) {
  auto& st = self->state;
  st.db = db;
  st.store = std::move(store);
  st.tracker = std::move(tracker);
  st.scheduler = std::move(scheduler);
  return {
      [=](atom::community, community_write& w) {
        auto rp = self->make_response_promise<community_outcome>();
        auto op = w.op;
        self->request(self->state.store, store_timeout, atom::community_v,
                      std::move(w))
            .then(
                [=](community_outcome& out) mutable {
                  tell_tracker(self, op, out);
                  rp.deliver(std::move(out));
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
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
                                scheduler_actor scheduler) {
  return sys.spawn(community, db, std::move(store), std::move(tracker),
                   std::move(scheduler));
}

} // namespace skyhaul
