#pragma once

// The bodies of the success and failure callbacks (seed 000, "Success
// Callback" and "Failure Callback"), rendered once when a task ends and
// stored with its outbox event.

#include "protocol/callback.hpp"
#include "protocol/task_record.hpp"

#include <optional>
#include <string>
#include <vector>

namespace skyhaul {

/// `<bucket>/<taskId>`, the seed's name of a task.
std::string callback_task_name(const task_record& rec);

/// The success body: one object per stored file, keyed by file name, with
/// every field of the seed. `Success-IDC`/`Failure-IDC` list the file's
/// `idc_ok`/`idc_failed` (comma separated) for a concrete upload and are
/// null otherwise.
std::string success_body(const task_record& rec);

/// The failure body: `Code`, `Message`, `Resource`, `RequestId`, `Task`
/// and, when the task stored files before it failed, `Files`.
std::string failure_body(const task_record& rec, const std::string& request_id);

/// The callback a transition from `old` (nullptr: a new task) to `rec`
/// owes: success when it finishes, failure when it fails, each only with
/// its URL set. Nullopt when none is owed.
std::optional<callback_kind> callback_due(const task_record* old,
                                          const task_record& rec);

/// The outbox event of kind `kind` for `rec`, body rendered, due at once.
callback_event make_callback_event(const task_record& rec, callback_kind kind,
                                   uint64_t id, int64_t now_ms);

} // namespace skyhaul
