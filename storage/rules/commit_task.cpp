#include "storage/rules/commit_task.hpp"

#include "storage/push_table.hpp"
#include "storage/rules/events.hpp"
#include "storage/rules/pushes.hpp"
#include "storage/rules/replicas.hpp"
#include "storage/task_table.hpp"
#include "storage/torrent_table.hpp"

namespace skyhaul::storage::rules {

task_commit commit_task(txn& t, const task_record& rec,
                        const std::vector<std::string>& idcs,
                        const callback_policy& cb, int64_t now_ms) {
  task_commit out;
  auto old = get_task(t, rec.seq);
  auto* before = old ? &*old : nullptr;
  task_events(t, before, rec, now_ms, out.events);
  put_task(t, rec, before);
  if (is_terminal(rec.state)) {
    // A torrent that ended has nothing left to resume; one that finished
    // feeds the info-hash cache.
    erase_resume(t, rec.seq);
    if (rec.state == task_state::finished)
      remember_torrent(t, rec);
  }
  out.replicas = owe_replicas(t, before, rec, idcs, now_ms);
  out.pushes = owe_pushes(t, before, rec, now_ms);
  auto kind = cb.due ? cb.due(before, rec) : std::nullopt;
  if (kind && *kind == callback_kind::success && out.replicas)
    kind = std::nullopt;
  if (kind)
    out.event = owe_callback(t, cb, rec, *kind, now_ms);
  return out;
}

void erase_task_record(txn& t, task_seq seq) {
  erase_task(t, seq);
  erase_resume(t, seq);
  erase_push_outcomes(t, seq);
}

void store_resume(txn& t, task_seq seq, const std::string& data, bool clean) {
  auto rec = get_task(t, seq);
  if (rec && !is_terminal(rec->state))
    put_resume(t, seq, data, clean);
}

} // namespace skyhaul::storage::rules
