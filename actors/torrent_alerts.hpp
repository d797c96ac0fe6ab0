#pragma once

// libtorrent alerts as plain values. An alert lives only until the next
// pop_alerts(); the torrent session turns each into a torrent_event at once
// and works on that.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libtorrent/fwd.hpp>
#include <libtorrent/torrent_handle.hpp>

#include "protocol/error.hpp"

namespace skyhaul {

/// One torrent of a state update.
struct torrent_status_value {
  lt::torrent_handle handle;
  /// Lower-case hex info-hash (the v1 one, or the v2 one without v1).
  std::string info_hash;
  uint64_t download_rate = 0;
  uint64_t upload_rate = 0;
  /// Payload bytes uploaded since the torrent was added.
  uint64_t uploaded = 0;
  uint32_t peers = 0;
  uint32_t seeds = 0;
  bool checking = false;
  bool finished = false;
  /// The pieces the torrent has (empty without metadata).
  std::vector<bool> pieces;
};

/// What happened to a torrent.
struct torrent_event {
  enum class kind : uint8_t {
    /// add_torrent_alert: `handle` is valid, or `code` says why not.
    added,
    /// torrent_finished_alert: every wanted piece is there (a hint; the
    /// session checks the pieces itself).
    finished,
    /// torrent_removed_alert.
    removed,
    /// metadata_received_alert.
    metadata,
    /// save_resume_data_alert (`resume`, `ti`) or its failure (`code`).
    resume,
    /// torrent_error_alert, file_error_alert, metadata_failed_alert.
    error,
    /// state_update_alert (`statuses`).
    update,
    /// cache_flushed_alert: every write libtorrent had queued for the
    /// torrent when `flush_cache()` was called has reached its file.
    flushed,
  };
  kind what = kind::update;
  lt::torrent_handle handle;
  /// Lower-case hex info-hash, when the alert names it.
  std::string info_hash;
  ec code = ec::none;
  std::string message;
  /// Bencoded resume data.
  std::string resume;
  /// The metadata, when the alert carries it.
  std::shared_ptr<const lt::torrent_info> ti;
  std::vector<torrent_status_value> statuses;
};

/// The value of an alert the session cares about; nullopt for the others.
std::optional<torrent_event> to_event(const lt::alert* a);

} // namespace skyhaul
