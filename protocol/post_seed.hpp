#pragma once

// What Skyhaul seeds itself: the posts made from a finished task, and the
// metadata a magnet link brought in, kept so such a task can be posted.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/ids.hpp"
#include "protocol/record_format.hpp"

namespace skyhaul {

/// One file of a seeded torrent: its path as libtorrent lists it (root
/// folder included) and the blob that holds its bytes.
struct seed_file {
  std::string path;
  std::string blob;
  uint64_t size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, seed_file& x) {
  return f(x.path, x.blob, x.size);
}

/// A post whose torrent the torrent session seeds from stored blobs,
/// without a task (actors/torrent_seed.cpp). Written with the post in one
/// transaction, removed with it; the session adds and removes torrents to
/// match these rows, so seeding survives a restart.
struct post_seed {
  uint64_t pid = 0;
  /// The poster: the seed announces with their passkey.
  user_id author = 0;
  /// The task whose stored files are seeded.
  task_seq task = 0;
  /// Lower-case hex of the v1 info-hash.
  std::string info_hash;
  std::vector<seed_file> files;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, post_seed& x) {
  return f(x.pid, x.author, x.task, x.info_hash, x.files);
}

template <>
struct record_format<post_seed> : format_version<1, 0> {
  static constexpr const char* table = "post_seeds";
};

/// The info dictionary (bencoded, byte for byte) the torrent session got
/// from the swarm for a magnet link, by info-hash: a finished magnet task
/// keeps no metainfo of its own, and posting it needs one.
struct torrent_metadata {
  std::string info;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, torrent_metadata& x) {
  return f(x.info);
}

template <>
struct record_format<torrent_metadata> : format_version<1, 0> {
  static constexpr const char* table = "torrent_metadata";
};

} // namespace skyhaul
