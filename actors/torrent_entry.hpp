#pragma once

// The torrent session's record of one task's torrent, from the add until
// libtorrent removed it.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/typed_response_promise.hpp>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/torrent_handle.hpp>

#include "actors/torrent_meta.hpp"
#include "protocol/actors.hpp"

namespace skyhaul {

/// Where a torrent is. Each step moves forward only, except `magnet` ->
/// `readding` -> `adding` once, and a stop (`pausing`, `removing`) that may
/// come at any time and ends in libtorrent's removal.
enum class torrent_phase : uint8_t {
  /// The add is in flight: no handle yet.
  adding,
  /// Added from a magnet link, no file chosen: nothing is downloaded until
  /// the metadata is in.
  magnet,
  /// The metadata is in: the torrent was removed to be added again with its
  /// files chosen, so no piece of an unwanted file is ever asked for.
  readding,
  /// Pieces are being downloaded.
  downloading,
  /// Every wanted piece passed its hash; the flush of their writes is
  /// awaited before the task is told.
  flushing,
  /// The task was told (success or failure) and reads the files.
  done,
  /// The task stored the files; seeding goes on until the seed rule ends it.
  seeding,
  /// A clean stop: clean resume data, stored, then removal.
  pausing,
  /// Removal asked for (or about to be, once the add answers).
  removing,
};

/// The task was not told yet how its torrent ended.
inline bool before_done(torrent_phase p) {
  return p == torrent_phase::adding || p == torrent_phase::magnet
         || p == torrent_phase::readding || p == torrent_phase::downloading
         || p == torrent_phase::flushing;
}

/// Stopping: pausing or removing.
inline bool stopping(torrent_phase p) {
  return p == torrent_phase::pausing || p == torrent_phase::removing;
}

using ok_promise = caf::typed_response_promise<caf::ok_atom>;

struct torrent_entry {
  /// The task's sequence number; for a post's seed, `seed_key(post)`.
  task_seq seq = 0;
  /// Non-zero: the torrent seeds this post from stored blobs, without a
  /// task and without a listener (actors/torrent_seed.cpp).
  uint64_t post = 0;
  /// Added from a magnet link: the metadata the swarm sent is kept.
  bool magnet = false;
  /// The task waits for its files to be chosen once the metadata is in
  /// (torrent_add::pick_files): the disk's room is checked for the choice.
  bool pick_files = false;
  torrent_listener_actor listener;
  caf::actor_addr task;
  torrent_phase phase = torrent_phase::adding;
  /// Invalid until libtorrent accepted the add (and again while re-adding).
  lt::torrent_handle handle;
  std::string info_hash;
  std::string save_path;
  std::vector<std::string> wanted;
  /// The layout and selection, and the metadata, once known.
  bool have_layout = false;
  torrent_layout layout;
  std::shared_ptr<const lt::torrent_info> ti;
  /// A magnet link's parameters, kept for the add with files chosen.
  lt::add_torrent_params readd;
  /// Check the pieces on disk once the add is accepted.
  bool recheck = false;
  /// The reply to the task's `start`, until libtorrent answers the add.
  ok_promise start_rp;
  /// Resume data saves asked for and answered on the current handle, in
  /// order; answers from index `clean_from` on were asked for at a clean
  /// stop.
  uint64_t saves_asked = 0;
  uint64_t saves_answered = 0;
  uint64_t clean_from = UINT64_MAX;
  /// Flushes (`flush_cache()`) asked for and answered on the current handle
  /// (their `cache_flushed_alert`s come in order); the index of the flush
  /// whose answer tells the task every wanted piece is on disk, and of the
  /// one a clean save waits for (0: none).
  uint64_t flushes_asked = 0;
  uint64_t flushes_answered = 0;
  uint64_t done_flush = 0;
  uint64_t clean_flush = 0;
  /// Removal also deletes the files.
  bool delete_files = false;
  /// Replies owed once libtorrent removed the torrent.
  std::vector<ok_promise> on_removed;
  /// The files live on as hard links in the blob store: the folder goes
  /// once the torrent is removed.
  bool seeded = false;
  int64_t seed_start_ms = 0;
  uint64_t uploaded = 0;
};

} // namespace skyhaul
