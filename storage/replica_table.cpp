#include "storage/replica_table.hpp"

#include "protocol/codec.hpp"

namespace skyhaul::storage {

uint64_t add_replica(txn& t, replica_job job) {
  uint64_t id = 1;
  if (auto last = t.last_key(table::replicas))
    id = from_be64(*last) + 1;
  job.id = id;
  t.put(table::replicas, be64(id), encode(job));
  return id;
}

std::optional<replica_job> get_replica(const txn& t, uint64_t id) {
  auto v = t.get(table::replicas, be64(id));
  replica_job job;
  if (!v || !decode(*v, job))
    return std::nullopt;
  return job;
}

void put_replica(txn& t, const replica_job& job) {
  t.put(table::replicas, be64(job.id), encode(job));
}

void erase_replica(txn& t, uint64_t id) {
  t.del(table::replicas, be64(id));
}

std::vector<replica_job> list_replicas(const txn& t) {
  std::vector<replica_job> out;
  t.scan(table::replicas, "", [&](std::string_view, std::string_view v) {
    replica_job job;
    if (decode(v, job))
      out.push_back(std::move(job));
    return true;
  });
  return out;
}

bool replicas_unreported(const txn& t, task_seq task) {
  bool found = false;
  t.scan(table::replicas, "", [&](std::string_view, std::string_view v) {
    replica_job job;
    if (decode(v, job) && job.task == task && !job.reported)
      found = true;
    return !found;
  });
  return found;
}

} // namespace skyhaul::storage
