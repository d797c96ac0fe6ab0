#include "storage/replica_table.hpp"

namespace skyhaul::storage {

uint64_t add_replica(txn& t, replica_job job) {
  uint64_t id = 1;
  if (auto last = t.last_key(table::replicas))
    id = from_be64(*last) + 1;
  job.id = id;
  t.put(table::replicas, be64(id), job);
  return id;
}

std::optional<replica_job> get_replica(const txn& t, uint64_t id) {
  return t.get_as<replica_job>(table::replicas, be64(id));
}

void put_replica(txn& t, const replica_job& job) {
  t.put(table::replicas, be64(job.id), job);
}

void erase_replica(txn& t, uint64_t id) {
  t.del(table::replicas, be64(id));
}

std::vector<replica_job> list_replicas(const txn& t) {
  std::vector<replica_job> out;
  t.scan(table::replicas, "", [&](std::string_view k, std::string_view v) {
    out.push_back(decode_value<replica_job>(table::replicas, k, v));
    return true;
  });
  return out;
}

bool replicas_unreported(const txn& t, task_seq task) {
  bool found = false;
  t.scan(table::replicas, "", [&](std::string_view k, std::string_view v) {
    auto job = decode_value<replica_job>(table::replicas, k, v);
    found = job.task == task && !job.reported;
    return !found;
  });
  return found;
}

} // namespace skyhaul::storage
