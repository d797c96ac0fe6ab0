#include "actors/store.hpp"

#include "storage/blob_store.hpp"
#include "storage/bucket_table.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"
#include "storage/task_table.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <functional>
#include <vector>

namespace skyhaul {

namespace {

/// One queued write: `apply` runs inside the group transaction (in a nested
/// transaction of its own, so one failing write does not sink the others);
/// `reply` runs after the commit with the outcome.
struct pending_op {
  std::function<void(storage::txn&, std::vector<std::string>& orphans)> apply;
  std::function<void(const caf::error&)> reply;
  caf::error outcome;
};

struct store_state {
  static inline const char* name = "store";
  storage::lmdb_env* db = nullptr;
  const storage::blob_store* blobs = nullptr;
  std::vector<pending_op> queue;
  bool tick_pending = false;
};

using store_ptr = store_actor::stateful_pointer<store_state>;

template <class T>
void enqueue(
    store_ptr self, caf::typed_response_promise<T> rp,
    std::function<void(storage::txn&, std::vector<std::string>&)> apply,
    std::function<T()> value) {
  pending_op op;
  op.apply = std::move(apply);
  op.reply = [rp, value](const caf::error& err) mutable {
    if (err)
      rp.deliver(err);
    else
      rp.deliver(value());
  };
  self->state.queue.push_back(std::move(op));
  // The tick lands behind everything already in the mailbox, so one
  // transaction takes all writes that queued up meanwhile: group commit.
  if (!self->state.tick_pending) {
    self->state.tick_pending = true;
    self->send(self, caf::tick_atom_v);
  }
}

void commit_queue(store_ptr self) {
  auto& st = self->state;
  st.tick_pending = false;
  if (st.queue.empty())
    return;
  auto ops = std::move(st.queue);
  st.queue.clear();
  std::vector<std::string> orphans;
  try {
    auto t = st.db->write();
    for (auto& op : ops) {
      auto child = t.nested();
      try {
        op.apply(child, orphans);
        child.commit();
      } catch (const caf::error& e) {
        op.outcome = e;
      } catch (const std::exception& e) {
        op.outcome = make_error(ec::internal_error, e.what());
      }
    }
    t.commit();
  } catch (const std::exception& e) {
    for (auto& op : ops)
      if (!op.outcome)
        op.outcome = make_error(ec::internal_error, e.what());
    orphans.clear();
  }
  // A blob orphaned by one write may have been referenced again by a later
  // write of the same batch: only unreferenced blobs go.
  if (!orphans.empty()) {
    auto t = st.db->read();
    for (auto& blob : orphans)
      if (storage::blob_refs(t, blob) == 0)
        st.blobs->remove_blob(blob);
  }
  for (auto& op : ops)
    op.reply(op.outcome);
}

store_actor::behavior_type store(store_ptr self, storage::lmdb_env* db,
                                 const storage::blob_store* blobs) {
  self->state.db = db;
  self->state.blobs = blobs;
  return {
      [=](caf::put_atom, task_record& rec) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        enqueue<caf::ok_atom>(
            self, rp,
            [rec = std::move(rec)](storage::txn& t, std::vector<std::string>&) {
              storage::put_task(t, rec);
            },
            [] { return caf::ok_atom_v; });
        return rp;
      },
      [=](atom::erase, task_seq seq) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        enqueue<caf::ok_atom>(
            self, rp,
            [seq](storage::txn& t, std::vector<std::string>&) {
              storage::erase_task(t, seq);
            },
            [] { return caf::ok_atom_v; });
        return rp;
      },
      [=](atom::commit, object_commit& c) -> caf::result<object_commit_result> {
        auto rp = self->make_response_promise<object_commit_result>();
        auto res = std::make_shared<object_commit_result>();
        enqueue<object_commit_result>(
            self, rp,
            [c = std::move(c), res, blobs](storage::txn& t,
                                           std::vector<std::string>& orphans) {
              // The rename runs here, in order with the commits, so it can
              // never race with the removal of the same blob by another write.
              if (!c.source_path.empty()) {
                auto err = blobs->adopt(c.source_path, c.file.blob);
                if (!err.empty())
                  throw std::runtime_error(err);
              }
              *res = storage::commit_object(t, c, orphans);
            },
            [res] { return *res; });
        return rp;
      },
      [=](atom::erase, std::string& bucket,
          std::string& key) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        enqueue<caf::ok_atom>(
            self, rp,
            [bucket = std::move(bucket), key = std::move(key)](
                storage::txn& t, std::vector<std::string>& orphans) {
              storage::erase_object(t, bucket, key, orphans);
            },
            [] { return caf::ok_atom_v; });
        return rp;
      },
      [=](atom::create, std::string& name, user_id owner,
          acl_spec& acl) -> caf::result<uint8_t> {
        auto rp = self->make_response_promise<uint8_t>();
        auto res = std::make_shared<storage::bucket_created>();
        enqueue<uint8_t>(
            self, rp,
            [name = std::move(name), owner, acl = std::move(acl),
             res](storage::txn& t, std::vector<std::string>&) {
              *res = storage::create_bucket(t, name, owner, acl, now_ms());
            },
            [res] { return static_cast<uint8_t>(*res); });
        return rp;
      },
      [=](atom::remove, std::string& name) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        enqueue<caf::ok_atom>(
            self, rp,
            [name = std::move(name)](storage::txn& t,
                                     std::vector<std::string>&) {
              if (!storage::get_bucket(t, name))
                throw make_error(ec::not_found, "no such bucket: " + name);
              if (!storage::delete_bucket(t, name))
                throw make_error(ec::invalid_state,
                                 "the bucket is not empty: " + name);
            },
            [] { return caf::ok_atom_v; });
        return rp;
      },
      [=](caf::put_atom, user_record& rec) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        enqueue<caf::ok_atom>(
            self, rp,
            [rec = std::move(rec)](storage::txn& t, std::vector<std::string>&) {
              storage::put_user(t, rec);
            },
            [] { return caf::ok_atom_v; });
        return rp;
      },
      [=](atom::flush) -> caf::result<caf::ok_atom> {
        commit_queue(self);
        return caf::ok_atom_v;
      },
      [=](caf::tick_atom) { commit_queue(self); },
  };
}

} // namespace

store_actor spawn_store(caf::actor_system& sys, storage::lmdb_env* db,
                        const storage::blob_store* blobs) {
  return sys.spawn<caf::detached>(store, db, blobs);
}

} // namespace skyhaul
