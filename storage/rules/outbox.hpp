#pragma once

// The callback outbox as transaction bodies: owing a callback and owing
// it again. The delivery log itself is storage/outbox_table.

#include "protocol/callback.hpp"
#include "protocol/task_record.hpp"

#include <cstdint>
#include <functional>
#include <optional>

namespace skyhaul::storage {
class txn;
} // namespace skyhaul::storage

namespace skyhaul::storage::rules {

/// What the outbox needs from the callback component: when a transition
/// owes a callback and how its body reads. Injected, because the bodies are
/// rendered above storage/ and storage never includes actors/.
struct callback_policy {
  /// The callback a move from `old` (nullptr: a new task) to `rec` owes.
  std::function<std::optional<callback_kind>(const task_record* old,
                                             const task_record& rec)>
      due;
  /// The outbox event of kind `kind` for `rec` under id `id`, due at `now`.
  std::function<callback_event(const task_record& rec, callback_kind kind,
                               uint64_t id, int64_t now)>
      render;
};

/// Owes callback `kind` of `rec` under a fresh event id, due at `now_ms`;
/// returns the id.
uint64_t owe_callback(txn& t, const callback_policy& cb,
                      const task_record& rec, callback_kind kind,
                      int64_t now_ms);

/// Owes the latest callback of `seq` again, same event id, new retry
/// window; returns the id. Refuses with `ec::invalid_state` when the task
/// never had a callback.
uint64_t redeliver_latest(txn& t, task_seq seq, int64_t now_ms);

} // namespace skyhaul::storage::rules
