#include "actors/uploader.hpp"

#include "actors/backoff.hpp"
#include "actors/curl_loop.hpp"
#include "actors/job_queue.hpp"
#include "actors/timeouts.hpp"
#include "actors/upload_records.hpp"
#include "storage/blob_store.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/replica_table.hpp"

#include <caf/all.hpp>
#include <map>

namespace skyhaul {

namespace {

/// Uploads running at once.
constexpr size_t max_running = 4;

/// Longest wait before a request to an IDC gives up (large parts included).
constexpr long request_timeout_s = 600;

struct uploader_state {
  static inline const char* name = "uploader";
  /// Copies: the spawn function that holds the arguments is gone after the
  /// first behaviour is made.
  std::vector<idc_config> idcs;
  uint32_t max_tries = 8;
  /// The backoff between attempts: the first wait, doubling up to the
  /// longest (`--replica-retry-base-ms`, `--replica-retry-max-ms`).
  uint32_t retry_base_ms = 2000;
  uint32_t retry_max_ms = 600000;
  storage::lmdb_env* db = nullptr;
  const storage::blob_store* blobs = nullptr;
  store_actor store;
  std::map<std::string, request_signer> signers;
  /// Jobs waiting for their time and the running ones.
  job_queue<replica_job> jobs{max_running};
  /// Carries the uploads; those running when the uploader quits abort.
  std::shared_ptr<curl_loop> loop;
  /// Uploads waiting for the record of their open multipart upload.
  std::shared_ptr<upload_records> records = std::make_shared<upload_records>();
};

using uploader_ptr = uploader_actor::stateful_pointer<uploader_state>;

const idc_config* find_idc(const std::vector<idc_config>& idcs,
                           const std::string& name) {
  for (auto& idc : idcs)
    if (idc.name == name)
      return &idc;
  return nullptr;
}

/// The multipart upload `job` holds open, and back.
multipart_state open_upload(const replica_job& job) {
  return {job.upload_id, job.part_size, job.part_md5s};
}

void keep_upload(replica_job& job, multipart_state open) {
  job.upload_id = std::move(open.upload_id);
  job.part_size = open.part_size;
  job.part_md5s = std::move(open.part_md5s);
}

void load(uploader_ptr self) {
  auto& st = self->state;
  auto t = st.db->read();
  for (auto& job : storage::list_replicas(t))
    st.jobs.offer(std::move(job));
}

void start(uploader_ptr self, replica_job job) {
  auto& st = self->state;
  auto* idc = find_idc(st.idcs, job.idc);
  auto me = caf::actor_cast<uploader_actor>(self);
  if (idc == nullptr) {
    // The IDC left the configuration: the job fails for good.
    job.tries = st.max_tries;
    self->send(me, atom::done_v, std::move(job),
               std::string{"the IDC is no longer configured"});
    return;
  }
  upload_source src;
  src.path = st.blobs->blob_path(job.blob);
  src.size = job.size;
  src.md5 = job.md5;
  src.content_type = job.content_type;
  src.resume = open_upload(job);
  auto bucket = idc->remote_bucket(job.bucket);
  auto key = job.key;
  auto id = job.id;
  auto started = start_s3_upload(
      *st.loop, self, *idc, bucket, key, std::move(src),
      st.signers.at(idc->name), request_timeout_s,
      [me, id, records = st.records](const multipart_state& open,
                                     upload_recorded recorded) {
        replica_job progress;
        progress.id = id;
        keep_upload(progress, open);
        records->park(id, std::move(recorded));
        caf::anon_send(me, atom::progress_v, std::move(progress));
      },
      [me, job](std::string err, multipart_state open) mutable {
        keep_upload(job, std::move(open));
        caf::anon_send(me, atom::done_v, std::move(job), std::move(err));
      });
  if (!started)
    self->send(me, atom::done_v, std::move(job),
               std::string{"shutting down"});
}

/// A job that gave up leaves no multipart upload open on the IDC: its
/// parts would stay there (and be billed) until aborted. One try; an IDC
/// that is down by then keeps them until its own expiry rules.
void abandon(uploader_ptr self, const replica_job& job) {
  auto& st = self->state;
  auto* idc = find_idc(st.idcs, job.idc);
  if (job.upload_id.empty() || idc == nullptr)
    return;
  abort_s3_upload(*st.loop, self, *idc, idc->remote_bucket(job.bucket), job.key,
                  job.upload_id, st.signers.at(idc->name), request_timeout_s,
                  [](std::string) {});
}

/// Starts what is due and sets a timer for the next one.
void schedule(uploader_ptr self) {
  auto delay = self->state.jobs.run_due(now_ms(), [&](replica_job& job) {
    start(self, std::move(job));
    return true;
  });
  if (delay >= 0)
    self->delayed_send(self, std::chrono::milliseconds(delay),
                       caf::tick_atom_v);
}

/// Backoff after `tries` failed attempts, with jitter.
int64_t retry_delay_ms(const uploader_state& st, uint32_t tries) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             backoff_delay(st.retry_base_ms, st.retry_max_ms, tries))
      .count();
}

} // namespace

uploader_actor
spawn_uploader(caf::actor_system& sys, const settings& cfg,
               storage::lmdb_env* db, const storage::blob_store* blobs,
               store_actor store, std::shared_ptr<curl_loop> loop,
               std::function<request_signer(const idc_config&)> sign_for) {
  return sys.spawn([=](uploader_ptr self) -> uploader_actor::behavior_type {
    auto& st = self->state;
    st.idcs = cfg.idcs;
    st.max_tries = cfg.replica_max_tries;
    st.retry_base_ms = cfg.replica_retry_base_ms;
    st.retry_max_ms = cfg.replica_retry_max_ms;
    st.db = db;
    st.blobs = blobs;
    st.store = store;
    for (auto& idc : cfg.idcs)
      st.signers.emplace(idc.name, sign_for(idc));
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
        [=](atom::done, replica_job& job, std::string& err) {
          ++job.tries;
          job.last_error = err;
          job.next_ms = now_ms() + retry_delay_ms(self->state, job.tries);
          auto id = job.id;
          // The store records the outcome (and a task's success callback
          // once every first attempt is in); then the job retries or ends.
          self->request(self->state.store, store_timeout, atom::replicated_v,
                        job, err)
              .then(
                  [=](bool again) {
                    if (again) {
                      auto j = job;
                      j.reported = true;
                      self->state.jobs.again(std::move(j));
                    } else {
                      if (!err.empty())
                        abandon(self, job);
                      self->state.jobs.finish(id);
                    }
                    schedule(self);
                  },
                  [=](caf::error&) {
                    // Not recorded: the job stays owed in LMDB; try it again.
                    self->state.jobs.again(job);
                    schedule(self);
                  });
        },
        [=](atom::progress, replica_job& progress) {
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
