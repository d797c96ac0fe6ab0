#include "actors/store.hpp"

#include "actors/callback_body.hpp"
#include "base/metrics.hpp"
#include "storage/blob_store.hpp"
#include "storage/bucket_table.hpp"
#include "storage/headroom.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/object_table.hpp"
#include "storage/outbox_table.hpp"
#include "storage/task_table.hpp"
#include "storage/rules/buckets.hpp"
#include "storage/rules/commit_task.hpp"
#include "storage/rules/community.hpp"
#include "storage/rules/events.hpp"
#include "storage/rules/group_commit.hpp"
#include "storage/seed_table.hpp"
#include "storage/rules/logins.hpp"
#include "storage/rules/quota.hpp"
#include "storage/rules/object_commit.hpp"
#include "storage/rules/pushes.hpp"
#include "storage/rules/replicas.hpp"
#include "storage/rules/transfers.hpp"
#include "storage/rules/sessions.hpp"
#include "storage/user_table.hpp"

#include <caf/all.hpp>
#include <functional>
#include <unordered_map>
#include <vector>

namespace skyhaul {

namespace {

namespace rules = storage::rules;
namespace mx = base::metrics;

using write_fn = std::function<void(storage::txn&, rules::orphan_list&)>;

struct store_state {
  static inline const char* name = "store";
  storage::lmdb_env* db = nullptr;
  const storage::blob_store* blobs = nullptr;
  /// The writes of the next transaction, and what to answer after it.
  std::vector<rules::batch_write> batch;
  std::vector<std::function<void(const caf::error&)>> replies;
  bool tick_pending = false;
  /// Woken after commits that make callbacks owed.
  callback_actor callback;
  /// Woken after commits that make replicas owed.
  uploader_actor uploader;
  /// Names of the configured IDCs; empty: no replicas.
  std::vector<std::string> idcs;
  /// Tries of a replica before it fails for good.
  uint32_t replica_max_tries = 8;
  /// Woken after commits that make pushes owed.
  pusher_actor pusher;
  /// Tries of a push before it fails for good.
  uint32_t push_max_tries = 8;
  /// When callbacks are owed and how their bodies read.
  rules::callback_policy callbacks{callback_due, make_callback_event};
  /// Told of the events each commit appended; none: no event log.
  event_hub_actor events;
  rules::event_retention retention;
  /// The events of the transaction being answered, published after it.
  std::vector<task_event> published;
  /// When each live task's last progress event was queued.
  std::unordered_map<task_seq, int64_t> progress_at;
  /// The plans' storage quotas: a finish past one fails.
  rules::quota_rule quotas;
  /// What downloads in progress were promised of them.
  rules::reservations reserved;
};

using store_ptr = store_actor::stateful_pointer<store_state>;

/// Remote accounts one user may have.
constexpr size_t max_remote_accounts = 32;

/// Tells the callback actor that event `id` is owed; called after the commit.
void wake(store_ptr self, uint64_t id) {
  if (id != 0 && self->state.callback)
    self->send(self->state.callback, atom::wake_v, id);
}

/// Queues `apply` for the next transaction and answers `rp` with `value()`
/// once that transaction is durable (or with the write's error).
template <class T>
caf::result<T> enqueue(store_ptr self, write_fn apply,
                       std::function<T()> value) {
  auto rp = self->make_response_promise<T>();
  auto& st = self->state;
  st.batch.emplace_back(std::move(apply));
  st.replies.push_back([rp, value](const caf::error& err) mutable {
    if (err)
      rp.deliver(err);
    else
      rp.deliver(value());
  });
  // The tick lands behind everything already in the mailbox, so one
  // transaction takes all writes that queued up meanwhile: group commit.
  if (!st.tick_pending) {
    st.tick_pending = true;
    self->send(self, caf::tick_atom_v);
  }
  return rp;
}

/// Hands the events of a durable write to the hub, after the commit's
/// replies (commit_queue); in write order, which is id order.
void publish(store_ptr self, std::vector<task_event>& evs) {
  auto& out = self->state.published;
  out.insert(out.end(), std::make_move_iterator(evs.begin()),
             std::make_move_iterator(evs.end()));
}

/// Least time between two progress events of a task.
constexpr int64_t progress_every_ms = 1000;

/// Queues a progress event of `p` for the next transaction, at most one a
/// second per task; nobody waits for it.
void queue_progress(store_ptr self, fetch_progress& p) {
  auto& st = self->state;
  if (!st.events)
    return;
  auto now = now_ms();
  auto& last = st.progress_at[p.seq];
  if (last != 0 && now - last < progress_every_ms)
    return;
  last = now;
  auto out = std::make_shared<std::vector<task_event>>();
  st.batch.emplace_back(
      [p = std::move(p), out, now](storage::txn& t, rules::orphan_list&) {
        out->clear();
        rules::progress_event(t, p, now, *out);
      });
  st.replies.push_back([self, out](const caf::error& err) {
    if (!err)
      publish(self, *out);
  });
  if (!st.tick_pending) {
    st.tick_pending = true;
    self->send(self, caf::tick_atom_v);
  }
}

caf::result<caf::ok_atom> enqueue_ok(store_ptr self, write_fn apply) {
  return enqueue<caf::ok_atom>(self, std::move(apply),
                               [] { return caf::ok_atom_v; });
}

void commit_queue(store_ptr self) {
  auto& st = self->state;
  st.tick_pending = false;
  if (st.batch.empty())
    return;
  auto batch = std::move(st.batch);
  auto replies = std::move(st.replies);
  st.batch.clear();
  st.replies.clear();
  if (st.events) {
    // Every commit trims the event log a bounded step, so it never grows
    // past its retention by more than a few commits' worth.
    batch.emplace_back([self](storage::txn& t, rules::orphan_list&) {
      rules::trim_log(t, self->state.retention, now_ms());
    });
    replies.push_back([](const caf::error&) {});
  }
  mx::timed(mx::global().store_commit(),
            [&] { rules::commit_batch(*st.db, *st.blobs, batch); });
  for (size_t i = 0; i < batch.size(); ++i)
    replies[i](batch[i].code == ec::none
                   ? caf::error{}
                   : make_error(batch[i].code, batch[i].error));
  if (!st.published.empty()) {
    if (st.events)
      self->send(st.events, atom::publish_v, std::move(st.published));
    st.published.clear();
  }
}

store_actor::behavior_type store(store_ptr self, storage::lmdb_env* db,
                                 const storage::blob_store* blobs,
                                 std::vector<std::string> idcs,
                                 uint32_t replica_max_tries,
                                 uint32_t push_max_tries,
                                 storage::rules::quota_rule quotas) {
  self->state.quotas = std::move(quotas);
  self->state.db = db;
  self->state.blobs = blobs;
  self->state.idcs = std::move(idcs);
  self->state.replica_max_tries = replica_max_tries;
  self->state.push_max_tries = push_max_tries;
  return {
      [=](caf::put_atom, task_record& rec) {
        auto out = std::make_shared<rules::task_commit>();
        return enqueue<caf::ok_atom>(
            self,
            [self, rec = std::move(rec), out](storage::txn& t,
                                              rules::orphan_list& orphans) {
              auto& st = self->state;
              // A new task adds to the map: it leaves the headroom free.
              if (!storage::has_task(t, rec.seq))
                storage::keep_headroom(*st.db, t);
              auto capped = rules::within_quota(t, st.quotas, rec, orphans);
              *out = rules::commit_task(t, capped ? *capped : rec, st.idcs,
                                        st.callbacks, now_ms());
            },
            [self, out, seq = rec.seq, ended = is_terminal(rec.state),
             paused = rec.state == task_state::paused] {
              publish(self, out->events);
              if (ended)
                self->state.progress_at.erase(seq);
              // A paused download asks again when it runs.
              if (ended || paused)
                self->state.reserved.release(seq);
              wake(self, out->event);
              if (out->replicas && self->state.uploader)
                self->send(self->state.uploader, atom::wake_v);
              if (out->pushes && self->state.pusher)
                self->send(self->state.pusher, atom::wake_v);
              return caf::ok_atom_v;
            });
      },
      [=](caf::put_atom, std::vector<task_record>& recs) {
        auto out = std::make_shared<std::vector<rules::task_commit>>();
        std::vector<task_seq> ended;
        for (auto& rec : recs)
          if (is_terminal(rec.state) || rec.state == task_state::paused)
            ended.push_back(rec.seq);
        return enqueue<caf::ok_atom>(
            self,
            [self, recs = std::move(recs), out](storage::txn& t,
                                                rules::orphan_list& orphans) {
              auto& st = self->state;
              for (auto& rec : recs)
                if (!storage::has_task(t, rec.seq)) {
                  storage::keep_headroom(*st.db, t);
                  break;
                }
              auto now = now_ms();
              out->clear();
              for (auto& rec : recs) {
                auto capped = rules::within_quota(t, st.quotas, rec, orphans);
                out->push_back(rules::commit_task(t, capped ? *capped : rec,
                                                  st.idcs, st.callbacks, now));
              }
            },
            [self, out, ended = std::move(ended)] {
              for (auto seq : ended)
                self->state.reserved.release(seq);
              bool replicas = false;
              bool pushes = false;
              for (auto& c : *out) {
                publish(self, c.events);
                wake(self, c.event);
                replicas = replicas || c.replicas;
                pushes = pushes || c.pushes;
              }
              if (replicas && self->state.uploader)
                self->send(self->state.uploader, atom::wake_v);
              if (pushes && self->state.pusher)
                self->send(self->state.pusher, atom::wake_v);
              return caf::ok_atom_v;
            });
      },
      [=](atom::erase, task_seq seq) {
        auto out = std::make_shared<std::vector<task_event>>();
        return enqueue<caf::ok_atom>(
            self,
            [seq, out](storage::txn& t, rules::orphan_list&) {
              out->clear();
              rules::removed_event(t, seq, now_ms(), *out);
              rules::erase_task_record(t, seq);
            },
            [self, out, seq] {
              publish(self, *out);
              self->state.progress_at.erase(seq);
              self->state.reserved.release(seq);
              return caf::ok_atom_v;
            });
      },
      [=](atom::commit, object_commit& c) {
        auto res = std::make_shared<object_commit_result>();
        return enqueue<object_commit_result>(
            self,
            [self, c = std::move(c), res, blobs](storage::txn& t,
                                                 rules::orphan_list& orphans) {
              rules::check_object(t, self->state.quotas, c.owner, c.file.size);
              *res = rules::store_object(t, *blobs, c, orphans);
            },
            [res] { return *res; });
      },
      [=](atom::erase, std::string& bucket, std::string& key) {
        return enqueue_ok(self, [bucket = std::move(bucket),
                                 key = std::move(key)](
                                    storage::txn& t,
                                    rules::orphan_list& orphans) {
          storage::erase_object(t, bucket, key, orphans);
        });
      },
      [=](atom::create, std::string& name, user_id owner, acl_spec& acl) {
        auto res = std::make_shared<bucket_created>();
        return enqueue<bucket_outcome>(
            self,
            [self, name = std::move(name), owner, acl = std::move(acl),
             res](storage::txn& t, rules::orphan_list&) {
              storage::keep_headroom(*self->state.db, t);
              *res = storage::create_bucket(t, name, owner, acl, now_ms());
            },
            [res] { return bucket_outcome{*res}; });
      },
      [=](atom::remove, std::string& name) {
        return enqueue_ok(self, [name = std::move(name)](storage::txn& t,
                                                         rules::orphan_list&) {
          rules::remove_bucket(t, name);
        });
      },
      [=](caf::put_atom, user_record& rec) {
        return enqueue_ok(self, [rec = std::move(rec)](storage::txn& t,
                                                       rules::orphan_list&) {
          storage::put_user(t, rec);
        });
      },
      [=](atom::notify, callback_actor& cb) { self->state.callback = cb; },
      [=](atom::notify, uploader_actor& up) { self->state.uploader = up; },
      [=](atom::replicated, replica_job& job, std::string& err) {
        auto out = std::make_shared<rules::replica_outcome>();
        return enqueue<bool>(
            self,
            [self, job = std::move(job), err = std::move(err),
             out](storage::txn& t, rules::orphan_list&) {
              auto& st = self->state;
              *out = rules::record_replica(t, st.callbacks, job, err,
                                           st.replica_max_tries, now_ms());
            },
            [self, out] {
              wake(self, out->event);
              return out->again;
            });
      },
      [=](atom::progress, replica_job& job) {
        return enqueue_ok(self, [job = std::move(job)](storage::txn& t,
                                                       rules::orphan_list&) {
          rules::record_upload_progress(t, job);
        });
      },
      [=](atom::create, remote_account& acc) {
        auto id = std::make_shared<uint64_t>(0);
        return enqueue<uint64_t>(
            self,
            [acc = std::move(acc), id](storage::txn& t, rules::orphan_list&) {
              *id = rules::add_account(t, acc, max_remote_accounts, now_ms());
            },
            [id] { return *id; });
      },
      [=](atom::remove, user_id owner, uint64_t id) {
        return enqueue_ok(self,
                          [owner, id](storage::txn& t, rules::orphan_list&) {
                            rules::remove_account(t, owner, id);
                          });
      },
      [=](atom::notify, pusher_actor& p) { self->state.pusher = p; },
      [=](atom::pushed, push_attempt& a) {
        auto again = std::make_shared<bool>(false);
        return enqueue<bool>(
            self,
            [self, a = std::move(a), again](storage::txn& t,
                                            rules::orphan_list&) {
              *again = rules::record_push(t, a, self->state.push_max_tries);
            },
            [again] { return *again; });
      },
      [=](atom::progress, push_job& job) {
        return enqueue_ok(self, [job = std::move(job)](storage::txn& t,
                                                       rules::orphan_list&) {
          rules::record_push_progress(t, job);
        });
      },
      [=](caf::put_atom, delivery_attempt& a, callback_event& ev) {
        auto out = std::make_shared<std::vector<task_event>>();
        return enqueue<caf::ok_atom>(
            self,
            [a = std::move(a), ev = std::move(ev), out](storage::txn& t,
                                                        rules::orphan_list&) {
              out->clear();
              auto number = storage::record_attempt(t, a, ev);
              rules::attempt_event(t, a, number, ev, now_ms(), *out);
            },
            [self, out] {
              publish(self, *out);
              return caf::ok_atom_v;
            });
      },
      [=](atom::redeliver, task_seq seq) {
        auto event = std::make_shared<uint64_t>(0);
        return enqueue<caf::ok_atom>(
            self,
            [seq, event](storage::txn& t, rules::orphan_list&) {
              *event = rules::redeliver_latest(t, seq, now_ms());
            },
            [self, event] {
              wake(self, *event);
              return caf::ok_atom_v;
            });
      },
      [=](atom::resumedata, task_seq seq, std::string& data, bool clean) {
        return enqueue_ok(self, [seq, data = std::move(data),
                                 clean](storage::txn& t, rules::orphan_list&) {
          rules::store_resume(t, seq, data, clean);
        });
      },
      [=](atom::meta, std::string& info_hash, std::string& info) {
        return enqueue_ok(self, [ih = std::move(info_hash),
                                 info = std::move(info)](
                                    storage::txn& t, rules::orphan_list&) {
          storage::put_torrent_metadata(t, ih, info);
        });
      },
      [=](atom::community, community_write& w) {
        auto out = std::make_shared<community_outcome>();
        return enqueue<community_outcome>(
            self,
            [w = std::move(w), out](storage::txn& t, rules::orphan_list&) {
              *out = rules::apply_community(t, w, now_ms());
            },
            [out] { return *out; });
      },
      [=](atom::account, transfer_batch& b) {
        return enqueue_ok(self, [b = std::move(b)](storage::txn& t,
                                                   rules::orphan_list&) {
          rules::apply_transfers(t, b);
        });
      },
      [=](atom::login, std::string& key, user_id user, int64_t expires_ms) {
        return enqueue_ok(self, [key = std::move(key), user, expires_ms](
                                    storage::txn& t, rules::orphan_list&) {
          auto now = now_ms();
          rules::open_session(t, key,
                              storage::session_record{user, now, expires_ms},
                              now);
        });
      },
      [=](atom::logout, std::string& key) {
        return enqueue_ok(self, [key = std::move(key)](storage::txn& t,
                                                       rules::orphan_list&) {
          rules::close_session(t, key);
        });
      },
      [=](atom::login, login_failure& f) {
        return enqueue_ok(self, [f = std::move(f)](storage::txn& t,
                                                   rules::orphan_list&) {
          rules::count_login(t, f);
        });
      },
      [=](caf::put_atom, user_id uid, user_prefs& p) {
        return enqueue_ok(self, [uid, p = std::move(p)](storage::txn& t,
                                                        rules::orphan_list&) {
          rules::set_prefs(t, uid, p);
        });
      },
      [=](atom::flush) -> caf::result<caf::ok_atom> {
        commit_queue(self);
        return caf::ok_atom_v;
      },
      [=](atom::notify, event_hub_actor& hub, uint64_t count,
          int64_t age_ms) {
        self->state.events = hub;
        self->state.retention = rules::event_retention{count, age_ms};
      },
      [=](atom::progress, fetch_progress& p) { queue_progress(self, p); },
      [=](atom::reserve, user_id owner, task_seq seq,
          uint64_t bytes) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        auto t = st.db->read();
        if (auto why = st.reserved.reserve(t, st.quotas, owner, seq, bytes))
          return make_error(ec::quota_exceeded, std::move(*why));
        return caf::ok_atom_v;
      },
      [=](caf::tick_atom) { commit_queue(self); },
  };
}

} // namespace

store_actor spawn_store(caf::actor_system& sys, storage::lmdb_env* db,
                        const storage::blob_store* blobs,
                        std::vector<std::string> idcs,
                        uint32_t replica_max_tries, uint32_t push_max_tries,
                        storage::rules::quota_rule quotas) {
  return sys.spawn<caf::detached>(store, db, blobs, std::move(idcs),
                                  replica_max_tries, push_max_tries,
                                  std::move(quotas));
}

} // namespace skyhaul
