#include "storage/replica_table.hpp"

#include "storage/job_table.hpp"

namespace skyhaul::storage {

uint64_t add_replica(txn& t, replica_job job) {
  return add_job(t, table::replicas, std::move(job));
}

std::optional<replica_job> get_replica(const txn& t, uint64_t id) {
  return get_job<replica_job>(t, table::replicas, id);
}

void put_replica(txn& t, const replica_job& job) {
  put_job(t, table::replicas, job);
}

void erase_replica(txn& t, uint64_t id) {
  erase_job(t, table::replicas, id);
}

std::vector<replica_job> list_replicas(const txn& t) {
  return list_jobs<replica_job>(t, table::replicas);
}

bool replicas_unreported(const txn& t, task_seq task) {
  bool found = false;
  scan_jobs<replica_job>(t, table::replicas, [&](const replica_job& job) {
    found = job.task == task && !job.reported;
    return !found;
  });
  return found;
}

} // namespace skyhaul::storage
