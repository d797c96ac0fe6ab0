#include "actors/store.hpp"

#include "actors/callback_body.hpp"
#include "storage/blob_store.hpp"
#include "storage/bucket_table.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"
#include "storage/outbox_table.hpp"
#include "storage/replica_table.hpp"
#include "storage/task_table.hpp"
#include "storage/torrent_table.hpp"
#include "storage/user_table.hpp"

#include <algorithm>
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
  /// Woken after commits that make callbacks owed.
  callback_actor callback;
  /// Woken after commits that make replicas owed.
  uploader_actor uploader;
  /// Names of the configured IDCs; empty: no replicas.
  std::vector<std::string> idcs;
  /// Tries of a replica before it fails for good.
  uint32_t replica_max_tries = 8;
};

using store_ptr = store_actor::stateful_pointer<store_state>;

/// Owes one replica per concrete file and IDC when `rec` has just
/// finished. True when it owed any.
bool owe_replicas(storage::txn& t, const task_record* old,
                  const task_record& rec,
                  const std::vector<std::string>& idcs) {
  if (idcs.empty() || rec.state != task_state::finished
      || (old != nullptr && old->state == task_state::finished))
    return false;
  bool any = false;
  for (uint32_t i = 0; i < rec.files.size(); ++i) {
    auto& f = rec.files[i];
    if (!f.concrete)
      continue;
    for (auto& idc : idcs) {
      replica_job job;
      job.task = rec.seq;
      job.file = i;
      job.idc = idc;
      job.bucket = rec.spec.bucket;
      job.key = f.key;
      job.blob = f.blob;
      job.size = f.size;
      job.md5 = f.md5;
      job.content_type = f.content_type;
      job.next_ms = now_ms();
      storage::add_replica(t, std::move(job));
      any = true;
    }
  }
  return any;
}

/// Applies the outcome of an attempt at `job` (already counted in
/// `job.tries`): the IDC goes into the file's lists, the job ends or stays
/// owed, and the task's success callback is owed once no first attempt is
/// outstanding (its id in `event`). True when the job should run again.
bool record_replica(storage::txn& t, const replica_job& job,
                    const std::string& err, uint32_t max_tries,
                    uint64_t& event) {
  auto stored = storage::get_replica(t, job.id);
  if (!stored)
    return false;
  auto first_report = !stored->reported;
  if (auto rec = storage::get_task(t, job.task);
      rec && job.file < rec->files.size()) {
    auto& f = rec->files[job.file];
    auto drop = [&](std::vector<std::string>& v) {
      v.erase(std::remove(v.begin(), v.end(), job.idc), v.end());
    };
    drop(f.idc_ok);
    drop(f.idc_failed);
    (err.empty() ? f.idc_ok : f.idc_failed).push_back(job.idc);
    storage::put_task(t, *rec);
  }
  bool again = !err.empty() && job.tries < max_tries;
  if (again) {
    auto next = job;
    next.reported = true;
    storage::put_replica(t, next);
  } else {
    storage::erase_replica(t, job.id);
  }
  if (first_report && !storage::replicas_unreported(t, job.task)) {
    auto rec = storage::get_task(t, job.task);
    if (rec && rec->state == task_state::finished
        && !rec->spec.success_callback_url.empty()) {
      auto ev = make_callback_event(*rec, callback_kind::success,
                                    storage::next_event_id(t), now_ms());
      storage::enqueue_event(t, ev);
      event = ev.id;
    }
  }
  return again;
}

/// Tells the callback actor that event `id` is owed; called after the commit.
void wake(store_ptr self, uint64_t id) {
  if (id != 0 && self->state.callback)
    self->send(self->state.callback, atom::wake_v, id);
}

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
                                 const storage::blob_store* blobs,
                                 std::vector<std::string> idcs,
                                 uint32_t replica_max_tries) {
  self->state.db = db;
  self->state.blobs = blobs;
  self->state.idcs = std::move(idcs);
  self->state.replica_max_tries = replica_max_tries;
  return {
      [=](caf::put_atom, task_record& rec) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        auto event = std::make_shared<uint64_t>(0);
        auto replicas = std::make_shared<bool>(false);
        enqueue<caf::ok_atom>(
            self, rp,
            [self, rec = std::move(rec), event,
             replicas](storage::txn& t, std::vector<std::string>&) {
              auto old = storage::get_task(t, rec.seq);
              storage::put_task(t, rec, old ? &*old : nullptr);
              if (is_terminal(rec.state)) {
                // A torrent that ended has nothing left to resume; one that
                // finished feeds the info-hash cache.
                storage::erase_resume(t, rec.seq);
                if (rec.state == task_state::finished)
                  storage::remember_torrent(t, rec);
              }
              *replicas = owe_replicas(t, old ? &*old : nullptr, rec,
                                       self->state.idcs);
              // The callback is owed in the transaction of the transition
              // itself: after a crash, both are on disk or neither is. With
              // replicas owed, the success callback waits for their first
              // attempts (`atom::replicated`), so it can name the IDCs.
              auto kind = callback_due(old ? &*old : nullptr, rec);
              if (kind && *kind == callback_kind::success && *replicas)
                kind = std::nullopt;
              if (kind) {
                auto ev = make_callback_event(
                    rec, *kind, storage::next_event_id(t), now_ms());
                storage::enqueue_event(t, ev);
                *event = ev.id;
              }
            },
            [self, event, replicas] {
              wake(self, *event);
              if (*replicas && self->state.uploader)
                self->send(self->state.uploader, atom::wake_v);
              return caf::ok_atom_v;
            });
        return rp;
      },
      [=](atom::erase, task_seq seq) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        enqueue<caf::ok_atom>(
            self, rp,
            [seq](storage::txn& t, std::vector<std::string>&) {
              storage::erase_task(t, seq);
              storage::erase_resume(t, seq);
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
                auto err
                    = blobs->adopt(c.source_path, c.file.blob, c.link_source);
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
      [=](atom::notify, callback_actor& cb) { self->state.callback = cb; },
      [=](atom::notify, uploader_actor& up) { self->state.uploader = up; },
      [=](atom::replicated, replica_job& job,
          std::string& err) -> caf::result<bool> {
        auto rp = self->make_response_promise<bool>();
        auto again = std::make_shared<bool>(false);
        auto event = std::make_shared<uint64_t>(0);
        auto max_tries = self->state.replica_max_tries;
        enqueue<bool>(
            self, rp,
            [job = std::move(job), err = std::move(err), again, event,
             max_tries](storage::txn& t, std::vector<std::string>&) {
              *again = record_replica(t, job, err, max_tries, *event);
            },
            [self, again, event] {
              wake(self, *event);
              return *again;
            });
        return rp;
      },
      [=](caf::put_atom, delivery_attempt& a,
          callback_event& ev) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        enqueue<caf::ok_atom>(
            self, rp,
            [a = std::move(a), ev = std::move(ev)](storage::txn& t,
                                                   std::vector<std::string>&) {
              storage::record_attempt(t, a, ev);
            },
            [] { return caf::ok_atom_v; });
        return rp;
      },
      [=](atom::redeliver, task_seq seq) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        auto event = std::make_shared<uint64_t>(0);
        enqueue<caf::ok_atom>(
            self, rp,
            [seq, event](storage::txn& t, std::vector<std::string>&) {
              auto ev = storage::redeliver(t, seq, now_ms());
              if (!ev)
                throw make_error(ec::invalid_state, "the task has no callback: "
                                                        + format_tid(seq));
              *event = ev->id;
            },
            [self, event] {
              wake(self, *event);
              return caf::ok_atom_v;
            });
        return rp;
      },
      [=](atom::resumedata, task_seq seq, std::string& data,
          bool clean) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        enqueue<caf::ok_atom>(
            self, rp,
            [seq, data = std::move(data), clean](storage::txn& t,
                                                 std::vector<std::string>&) {
              // A task that ended meanwhile must not get its row back.
              auto rec = storage::get_task(t, seq);
              if (rec && !is_terminal(rec->state))
                storage::put_resume(t, seq, data, clean);
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
                        const storage::blob_store* blobs,
                        std::vector<std::string> idcs,
                        uint32_t replica_max_tries) {
  return sys.spawn<caf::detached>(store, db, blobs, std::move(idcs),
                                  replica_max_tries);
}

} // namespace skyhaul
