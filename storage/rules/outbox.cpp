#include "storage/rules/outbox.hpp"

#include "storage/outbox_table.hpp"
#include "storage/rules/group_commit.hpp"

namespace skyhaul::storage::rules {

uint64_t owe_callback(txn& t, const callback_policy& cb,
                      const task_record& rec, callback_kind kind,
                      int64_t now_ms) {
  auto ev = cb.render(rec, kind, next_event_id(t), now_ms);
  enqueue_event(t, ev);
  return ev.id;
}

uint64_t redeliver_latest(txn& t, task_seq seq, int64_t now_ms) {
  auto ev = redeliver(t, seq, now_ms);
  if (!ev)
    throw refusal(ec::invalid_state,
                  "the task has no callback: " + format_tid(seq));
  return ev->id;
}

} // namespace skyhaul::storage::rules
