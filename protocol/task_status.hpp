#pragma once

#include <cstdint>
#include <string>

#include "protocol/fetch.hpp"
#include "protocol/task_record.hpp"
#include "protocol/torrent.hpp"

namespace skyhaul {

/// A task as a status query sees it: the record plus live figures.
struct task_status {
  task_record rec;
  /// Current download speed in bytes per second.
  uint64_t speed = 0;
  /// Estimated seconds left; -1 when unknown.
  int64_t eta_s = -1;
  /// Live torrent figures (`metadata == none` for HTTP tasks).
  torrent_view bt;
  /// HTTP: the parts of a segmented download (empty for one stream), live
  /// only; the task's notes are in `rec`.
  std::vector<fetch_part> parts;
  /// What a task waits for while it moves no bytes (protocol/fetch.hpp's
  /// `waits_for`): `file_descriptor` (a downloading one), `storage` (its end,
  /// or the failure of an actor that died, waits for room in the store; the
  /// status shows the stored state meanwhile); empty while it runs.
  std::string waiting_for;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_status& x) {
  return f(x.rec, x.speed, x.eta_s, x.bt, x.parts, x.waiting_for);
}

} // namespace skyhaul
