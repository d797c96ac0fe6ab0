#include "storage/rules/quota.hpp"

#include "storage/object_table.hpp"
#include "storage/task_table.hpp"
#include "storage/usage_table.hpp"
#include "storage/user_table.hpp"

#include <algorithm>

namespace skyhaul::storage::rules {


bool quota_rule::unlimited() const {
  for (auto& p : plans)
    if (p.storage_quota != 0)
      return false;
  return true;
}

std::string quota_message(uint64_t quota) {
  return "Not enough cloud storage: the plan holds "
         + std::to_string(quota) + " bytes.";
}

uint64_t stored_bytes(const txn& t, user_id owner, task_seq except) {
  auto total = stored_usage(t, owner);
  if (except != 0)
    if (auto rec = get_task(t, except); rec && rec->owner == owner)
      total -= std::min(total, usage_of(*rec));
  return total;
}

std::optional<std::string> reservations::reserve(const txn& t,
                                                const quota_rule& q,
                                                user_id owner, task_seq seq,
                                                uint64_t bytes) {
  held_.erase(seq);
  if (q.unlimited())
    return std::nullopt;
  auto u = get_user(t, owner);
  if (!u)
    return std::nullopt;
  auto quota = q.quota_of(*u);
  if (quota == 0)
    return std::nullopt;
  auto taken = stored_bytes(t, owner, seq) + promised(owner, seq);
  if (taken + bytes > quota)
    return quota_message(quota) + " " + std::to_string(taken)
           + " are stored or promised to other downloads; this one needs "
           + std::to_string(bytes) + ".";
  held_[seq] = promise{owner, bytes};
  return std::nullopt;
}

uint64_t reservations::promised(user_id owner, task_seq except) const {
  uint64_t n = 0;
  for (auto& [seq, p] : held_)
    if (p.owner == owner && seq != except)
      n += p.bytes;
  return n;
}

std::optional<std::string> refuse_new(const txn& t, const plan_config& plan,
                                      user_id owner) {
  auto quota = plan.storage_quota;
  if (quota == 0 || stored_bytes(t, owner) < quota)
    return std::nullopt;
  return quota_message(quota);
}

void check_object(const txn& t, const quota_rule& q, user_id owner,
                  uint64_t size) {
  if (q.unlimited())
    return;
  auto u = get_user(t, owner);
  if (!u)
    return;
  auto quota = q.quota_of(*u);
  if (quota != 0 && stored_bytes(t, owner) + size > quota)
    throw refusal(ec::quota_exceeded, quota_message(quota));
}

std::optional<task_record> within_quota(txn& t, const quota_rule& q,
                                        const task_record& rec,
                                        orphan_list& orphans) {
  if (rec.state != task_state::finished || q.unlimited())
    return std::nullopt;
  auto before = get_task(t, rec.seq);
  if (before && before->state == task_state::finished)
    return std::nullopt;
  auto owner = get_user(t, rec.owner);
  if (!owner)
    return std::nullopt;
  auto quota = q.quota_of(*owner);
  if (quota == 0
      || stored_bytes(t, rec.owner, rec.seq) + usage_of(rec) <= quota)
    return std::nullopt;
  auto out = rec;
  for (auto& f : rec.files)
    if (f.concrete)
      erase_object(t, rec.spec.bucket, f.key, orphans);
  out.files.clear();
  out.state = task_state::failed;
  out.error = ec::quota_exceeded;
  out.error_message = quota_message(quota);
  return out;
}

} // namespace skyhaul::storage::rules
