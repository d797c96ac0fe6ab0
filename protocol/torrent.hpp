#pragma once

// The messages between task actors and the torrent_session actor.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/ids.hpp"
#include "protocol/enum_range.hpp"

namespace skyhaul {

/// Asks the torrent session to add the torrent of task `seq`.
struct torrent_add {
  task_seq seq = 0;
  /// The bencoded metainfo; empty when `magnet` names the torrent.
  std::string metainfo;
  /// A magnet link, used when `metainfo` is empty.
  std::string magnet;
  /// The folder the torrent's files go into (its root folder inside).
  std::string save_path;
  /// Wanted file names (torrent paths, with or without the root folder);
  /// empty means every file.
  std::vector<std::string> files;
  /// libtorrent resume data saved earlier (bencoded); empty for none.
  std::string resume;
  /// The torrent was not stopped cleanly: check the pieces on disk again.
  bool recheck = false;
  /// Bytes per second for this torrent; 0 for no limit.
  uint64_t download_limit = 0;
  uint64_t upload_limit = 0;
  /// The task waits for the choice of its files once the metadata is in
  /// (task_spec::pick_files): the room on disk is asked of the choice.
  bool pick_files = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_add& x) {
  return f(x.seq, x.metainfo, x.magnet, x.save_path, x.files, x.resume,
           x.recheck, x.download_limit, x.upload_limit, x.pick_files);
}

/// One file of a torrent.
struct torrent_file_info {
  /// The path libtorrent lists, root folder included (`pack/a.bin`).
  std::string path;
  uint64_t size = 0;
  bool wanted = true;
  /// Bytes downloaded and verified.
  uint64_t done = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_file_info& x) {
  return f(x.path, x.size, x.wanted, x.done);
}

/// The metadata of a torrent, once known (at once for a metainfo, after the
/// swarm sent it for a magnet link), with the file selection applied.
struct torrent_meta {
  task_seq seq = 0;
  /// Lower-case hex: the v1 info-hash, or the v2 one for v2-only torrents.
  std::string info_hash;
  /// The torrent's name (the root folder of a multi-file torrent).
  std::string name;
  std::vector<torrent_file_info> files;
  /// Bytes of all files, and of the wanted ones.
  uint64_t total = 0;
  uint64_t wanted = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_meta& x) {
  return f(x.seq, x.info_hash, x.name, x.files, x.total, x.wanted);
}

/// One peer of a torrent as its status shows it.
struct torrent_peer {
  std::string ip;
  uint16_t port = 0;
  /// The client the peer names in its handshake (may be empty).
  std::string client;
  /// Share of the torrent the peer has, 0 to 1.
  double progress = 0;
  /// Bytes per second from and to the peer.
  uint64_t down_speed = 0;
  uint64_t up_speed = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_peer& x) {
  return f(x.ip, x.port, x.client, x.progress, x.down_speed, x.up_speed);
}

/// At most this many peers go into a status: the fastest ones.
constexpr size_t max_listed_peers = 50;

/// Progress of a torrent, sent about once a second while it changes.
struct torrent_progress {
  task_seq seq = 0;
  /// Verified bytes of the wanted files, and their total.
  uint64_t wanted_done = 0;
  uint64_t wanted_total = 0;
  uint64_t download_rate = 0;
  uint64_t upload_rate = 0;
  /// Payload bytes uploaded so far in this session.
  uint64_t uploaded = 0;
  uint32_t peers = 0;
  uint32_t seeds = 0;
  /// Pieces are being checked against the files on disk.
  bool checking = false;
  /// Verified bytes per file, in the order of `torrent_meta::files`; empty
  /// until the metadata is known.
  std::vector<uint64_t> file_done;
  /// The connected peers, fastest first, at most `max_listed_peers`.
  std::vector<torrent_peer> peer_list;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_progress& x) {
  return f(x.seq, x.wanted_done, x.wanted_total, x.download_rate,
           x.upload_rate, x.uploaded, x.peers, x.seeds, x.checking,
           x.file_done, x.peer_list);
}

/// The end of a torrent's download: every wanted piece is on disk and
/// verified (`code == ec::none`), or the torrent failed.
struct torrent_result {
  task_seq seq = 0;
  ec code = ec::none;
  std::string message;
  /// The bencoded info dictionary, when `code == ec::none`: the task checks
  /// every piece it reads back against the hashes in it.
  std::string info_section;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_result& x) {
  return f(x.seq, x.code, x.message, x.info_section);
}

/// Where the metadata of a torrent task is.
enum class metadata_state : uint8_t {
  /// Not a torrent task.
  none = 0,
  /// The `.torrent` is being fetched, or the swarm asked for the metadata.
  fetching,
  /// The metadata is known.
  received,
};

template <>
struct enum_range<metadata_state> {
  static constexpr auto last = metadata_state::received;
};

/// The torrent side of a task's status.
struct torrent_view {
  metadata_state metadata = metadata_state::none;
  std::string info_hash;
  std::string name;
  /// Bytes of all files of the torrent (the task's totals count the wanted
  /// files only).
  uint64_t total_size = 0;
  uint64_t upload_speed = 0;
  uint64_t uploaded = 0;
  uint32_t peers = 0;
  uint32_t seeds = 0;
  bool checking = false;
  std::vector<torrent_file_info> files;
  /// The connected peers as last reported (live only).
  std::vector<torrent_peer> peer_list;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_view& x) {
  return f(x.metadata, x.info_hash, x.name, x.total_size, x.upload_speed,
           x.uploaded, x.peers, x.seeds, x.checking, x.files, x.peer_list);
}

} // namespace skyhaul
