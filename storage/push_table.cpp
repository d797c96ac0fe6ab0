#include "storage/push_table.hpp"

#include "storage/job_table.hpp"

namespace skyhaul::storage {

namespace {

std::string outcome_key(task_seq task, uint32_t file) {
  std::string k = be64(task);
  for (int shift = 24; shift >= 0; shift -= 8)
    k += static_cast<char>((file >> shift) & 0xff);
  return k;
}

} // namespace

uint64_t add_push(txn& t, push_job job) {
  return add_job(t, table::push_jobs, std::move(job));
}

std::optional<push_job> get_push(const txn& t, uint64_t id) {
  return get_job<push_job>(t, table::push_jobs, id);
}

void put_push(txn& t, const push_job& job) {
  put_job(t, table::push_jobs, job);
}

void erase_push(txn& t, uint64_t id) {
  erase_job(t, table::push_jobs, id);
}

std::vector<push_job> list_pushes(const txn& t) {
  return list_jobs<push_job>(t, table::push_jobs);
}

void put_push_outcome(txn& t, const push_outcome& out) {
  t.put(table::push_outcomes, outcome_key(out.task, out.file), out);
}

std::optional<push_outcome> get_push_outcome(const txn& t, task_seq task,
                                             uint32_t file) {
  return t.get_as<push_outcome>(table::push_outcomes,
                                outcome_key(task, file));
}

std::vector<push_outcome> push_status(const txn& t, task_seq task) {
  std::vector<push_outcome> out;
  auto prefix = be64(task);
  t.scan_prefix(table::push_outcomes, prefix, prefix,
                [&](std::string_view k, std::string_view v) {
                  out.push_back(
                      decode_value<push_outcome>(table::push_outcomes, k, v));
                  return true;
                });
  return out;
}

void erase_push_outcomes(txn& t, task_seq task) {
  std::vector<std::string> keys;
  auto prefix = be64(task);
  t.scan_prefix(table::push_outcomes, prefix, prefix,
                [&](std::string_view k, std::string_view) {
                  keys.emplace_back(k);
                  return true;
                });
  for (auto& k : keys)
    t.del(table::push_outcomes, k);
}

} // namespace skyhaul::storage
