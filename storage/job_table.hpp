#pragma once
// A table of durable jobs keyed by a sequence number (be64), oldest first:
// what the replica and push tables share. A job type has an `id` member
// that is its key.

#include "storage/lmdb_env.hpp"

#include <optional>
#include <vector>

namespace skyhaul::storage {

/// Stores `job` under a fresh id (one past the last), which it returns.
template <class Job>
uint64_t add_job(txn& t, table tbl, Job job) {
  uint64_t id = 1;
  if (auto last = t.last_key(tbl))
    id = from_be64(*last) + 1;
  job.id = id;
  t.put(tbl, be64(id), job);
  return id;
}

template <class Job>
std::optional<Job> get_job(const txn& t, table tbl, uint64_t id) {
  return t.get_as<Job>(tbl, be64(id));
}

/// Replaces the job with `job.id`.
template <class Job>
void put_job(txn& t, table tbl, const Job& job) {
  t.put(tbl, be64(job.id), job);
}

inline void erase_job(txn& t, table tbl, uint64_t id) {
  t.del(tbl, be64(id));
}

/// Visits the jobs in id order while `fn` returns true.
template <class Job, class F>
void scan_jobs(const txn& t, table tbl, F fn) {
  t.scan(tbl, "", [&](std::string_view k, std::string_view v) {
    return fn(decode_value<Job>(tbl, k, v));
  });
}

/// Every job, oldest first.
template <class Job>
std::vector<Job> list_jobs(const txn& t, table tbl) {
  std::vector<Job> out;
  scan_jobs<Job>(t, tbl, [&](Job job) {
    out.push_back(std::move(job));
    return true;
  });
  return out;
}

} // namespace skyhaul::storage
