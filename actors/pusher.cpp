#include "actors/pusher.hpp"

#include "actors/backoff.hpp"
#include "actors/curl_loop.hpp"
#include "actors/job_queue.hpp"
#include "actors/push_transfer.hpp"
#include "actors/timeouts.hpp"
#include "actors/upload_records.hpp"
#include "base/secretbox.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/push_table.hpp"
#include "storage/remote_account_table.hpp"
#include "storage/task_table.hpp"

#include <caf/all.hpp>
#include <map>
#include <optional>

namespace skyhaul {

namespace {

/// Pushes running at once.
constexpr size_t max_running = 4;

struct pusher_state {
  static inline const char* name = "pusher";
  /// A copy: the spawn function that holds the arguments is gone after the
  /// first behaviour is made.
  settings cfg;
  storage::lmdb_env* db = nullptr;
  const storage::blob_store* blobs = nullptr;
  store_actor store;
  std::shared_ptr<const base::secretbox> secrets;
  job_queue<push_job> jobs{max_running};
  /// Running pushes per account: an SFTP account whose host key is not
  /// pinned yet runs one push at a time, so that one key gets pinned.
  std::map<uint64_t, size_t> busy;
  /// Carries the pushes; those running when the pusher quits abort.
  std::shared_ptr<curl_loop> loop;
  /// Uploads waiting for the record of their open multipart upload.
  std::shared_ptr<upload_records> records = std::make_shared<upload_records>();
};

using pusher_ptr = pusher_actor::stateful_pointer<pusher_state>;

void load(pusher_ptr self) {
  auto& st = self->state;
  auto t = st.db->read();
  for (auto& job : storage::list_pushes(t))
    st.jobs.offer(std::move(job));
}

/// Reports an attempt that could not start (to the pusher itself, like the
/// transfers' own reports).
void fail_now(pusher_ptr self, push_job job, std::string why, bool final) {
  push_attempt a;
  a.job = std::move(job);
  a.error = std::move(why);
  a.final = final;
  self->send(self, atom::done_v, std::move(a));
}

/// What pushing `job` to `acc` takes: the account with its secret opened,
/// the blob and the settings. None when the secret cannot be opened.
std::optional<push_request> request_of(pusher_ptr self, const push_job& job,
                                       remote_account acc) {
  auto& st = self->state;
  auto secret = st.secrets->open(acc.secret_sealed);
  if (!secret)
    return std::nullopt;
  push_request req;
  req.account = std::move(acc);
  req.secret = std::move(*secret);
  req.file_path = st.blobs->blob_path(job.blob);
  req.size = job.size;
  req.md5 = job.md5;
  req.content_type = job.content_type;
  req.remote_path = job.remote_path;
  req.ca_file = st.cfg.push_ca_file;
  req.multipart_threshold = st.cfg.push_multipart_threshold;
  req.part_size = st.cfg.push_part_size;
  req.resume.upload_id = job.upload_id;
  req.resume.part_size = job.part_size;
  req.resume.part_md5s = job.part_md5s;
  return req;
}

/// A job that gave up leaves no multipart upload open on its S3 account:
/// the parts would stay there (and be billed) until aborted. One try; a
/// remote that is down by then keeps them until its own expiry rules.
void abandon(pusher_ptr self, const push_job& job) {
  auto& st = self->state;
  if (job.upload_id.empty())
    return;
  std::optional<remote_account> acc;
  {
    auto t = st.db->read();
    acc = storage::get_remote_account(t, job.account);
  }
  if (!acc || acc->type != "s3")
    return;
  if (auto req = request_of(self, job, std::move(*acc)))
    abort_push_upload(*st.loop, self, *req, job.upload_id, [](std::string) {});
}

/// Starts `job`, or declines it (false) while it must wait for another
/// push to the same account.
bool start(pusher_ptr self, push_job& job) {
  auto& st = self->state;
  std::optional<remote_account> acc;
  bool task_there = false;
  {
    auto t = st.db->read();
    acc = storage::get_remote_account(t, job.account);
    task_there = storage::get_task(t, job.task).has_value();
  }
  if (acc && acc->type == "sftp" && acc->host_key.empty()
      && st.busy[acc->id] > 0)
    return false;
  ++st.busy[job.account];
  if (!acc || !task_there) {
    fail_now(self, std::move(job),
             acc ? "the task is gone" : "no such remote account", true);
    return true;
  }
  auto req = request_of(self, job, std::move(*acc));
  if (!req) {
    fail_now(self, std::move(job),
             "the account's secret cannot be opened with this data dir's key",
             true);
    return true;
  }
  auto me = caf::actor_cast<pusher_actor>(self);
  auto id = job.id;
  auto started = start_push(
      *st.loop, self, std::move(*req),
      [me, id, records = st.records](const multipart_state& open,
                                     upload_recorded recorded) {
        records->park(id, std::move(recorded));
        push_job progress;
        progress.id = id;
        progress.upload_id = open.upload_id;
        progress.part_size = open.part_size;
        progress.part_md5s = open.part_md5s;
        caf::anon_send(me, atom::progress_v, std::move(progress));
      },
      [me, job](push_end end) {
        push_attempt a;
        a.job = job;
        a.job.upload_id = std::move(end.open.upload_id);
        a.job.part_size = end.open.part_size;
        a.job.part_md5s = std::move(end.open.part_md5s);
        a.error = std::move(end.error);
        a.final = end.final;
        a.host_key = std::move(end.host_key);
        caf::anon_send(me, atom::done_v, std::move(a));
      });
  // Not started: the loop has stopped, and the pusher quits next; the job
  // stays owed in LMDB.
  (void) started;
  return true;
}

/// Starts what is due and sets a timer for the next one.
void schedule(pusher_ptr self) {
  auto delay = self->state.jobs.run_due(
      now_ms(), [&](push_job& job) { return start(self, job); });
  if (delay >= 0)
    self->delayed_send(self, std::chrono::milliseconds(delay),
                       caf::tick_atom_v);
}

} // namespace

pusher_actor spawn_pusher(caf::actor_system& sys, const settings& cfg,
                          storage::lmdb_env* db,
                          const storage::blob_store* blobs, store_actor store,
                          std::shared_ptr<curl_loop> loop,
                          std::shared_ptr<const base::secretbox> secrets) {
  return sys.spawn([=](pusher_ptr self) -> pusher_actor::behavior_type {
    auto& st = self->state;
    st.cfg = cfg;
    st.db = db;
    st.blobs = blobs;
    st.store = store;
    st.secrets = secrets;
    st.loop = loop;
    const void* group = self;
    self->attach_functor([loop, group, records = st.records] {
      loop->drop(group);
      records->clear();
    });
    load(self);
    schedule(self);
    return {
        [=](atom::wake) {
          load(self);
          schedule(self);
        },
        [=](atom::done, push_attempt& a) {
          auto& st = self->state;
          if (auto i = st.busy.find(a.job.account);
              i != st.busy.end() && --i->second == 0)
            st.busy.erase(i);
          auto& job = a.job;
          ++job.tries;
          job.last_error = a.error;
          job.next_ms
              = now_ms()
                + std::chrono::duration_cast<std::chrono::milliseconds>(
                      backoff_delay(st.cfg.push_retry_base_ms,
                                    st.cfg.push_retry_max_ms, job.tries))
                      .count();
          self->request(st.store, store_timeout, atom::pushed_v, a)
              .then(
                  [=](bool again) {
                    if (again) {
                      self->state.jobs.again(a.job);
                    } else {
                      if (!a.error.empty())
                        abandon(self, a.job);
                      self->state.jobs.finish(a.job.id);
                    }
                    schedule(self);
                  },
                  [=](caf::error&) {
                    // Not recorded: the job stays owed in LMDB; try again.
                    self->state.jobs.again(a.job);
                    schedule(self);
                  });
        },
        [=](atom::progress, push_job& progress) {
          record_progress(self, self->state.store, self->state.records,
                          std::move(progress));
        },
        [=](caf::tick_atom) {
          self->state.jobs.ticked();
          schedule(self);
        },
    };
  });
}

} // namespace skyhaul
