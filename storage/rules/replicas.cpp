#include "storage/rules/replicas.hpp"

#include "storage/replica_table.hpp"
#include "storage/task_table.hpp"

#include <algorithm>

namespace skyhaul::storage::rules {

bool owe_replicas(txn& t, const task_record* old, const task_record& rec,
                  const std::vector<std::string>& idcs, int64_t now_ms) {
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
      job.next_ms = now_ms;
      add_replica(t, std::move(job));
      any = true;
    }
  }
  return any;
}

replica_outcome record_replica(txn& t, const callback_policy& cb,
                               const replica_job& job, const std::string& err,
                               uint32_t max_tries, int64_t now_ms) {
  replica_outcome out;
  auto stored = get_replica(t, job.id);
  if (!stored)
    return out;
  auto first_report = !stored->reported;
  if (auto rec = get_task(t, job.task); rec && job.file < rec->files.size()) {
    auto& f = rec->files[job.file];
    auto drop = [&](std::vector<std::string>& v) {
      v.erase(std::remove(v.begin(), v.end(), job.idc), v.end());
    };
    drop(f.idc_ok);
    drop(f.idc_failed);
    (err.empty() ? f.idc_ok : f.idc_failed).push_back(job.idc);
    put_task(t, *rec);
  }
  out.again = !err.empty() && job.tries < max_tries;
  if (out.again) {
    auto next = job;
    next.reported = true;
    put_replica(t, next);
  } else {
    erase_replica(t, job.id);
  }
  if (first_report && !replicas_unreported(t, job.task)) {
    auto rec = get_task(t, job.task);
    if (rec && rec->state == task_state::finished
        && !rec->spec.success_callback_url.empty())
      out.event = owe_callback(t, cb, *rec, callback_kind::success, now_ms);
  }
  return out;
}

void record_upload_progress(txn& t, const replica_job& job) {
  auto stored = get_replica(t, job.id);
  if (!stored)
    return;
  stored->upload_id = job.upload_id;
  stored->part_size = job.part_size;
  stored->part_md5s = job.part_md5s;
  put_replica(t, *stored);
}

} // namespace skyhaul::storage::rules
