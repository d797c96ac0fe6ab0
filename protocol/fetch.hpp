#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/ids.hpp"

namespace skyhaul {

/// Asks http_fetch to download `url` into `path`, appending from `offset`.
struct fetch_request {
  task_seq seq = 0;
  std::string url;
  /// The partial file. It holds `offset` valid bytes already.
  std::string path;
  /// Bytes already on disk; non-zero asks for `Range: bytes=offset-`.
  uint64_t offset = 0;
  /// ETag or Last-Modified learnt earlier, sent as `If-Range`.
  std::string validator;
  /// Largest accepted body; -1 for no limit.
  int64_t max_size = -1;
  /// Bytes per second for this transfer; 0 for no limit.
  uint64_t rate_limit = 0;
  /// Allow loopback, private and link-local targets.
  bool allow_private = false;
  uint32_t connect_timeout_s = 15;
  /// Abort when slower than `low_speed_limit` bytes/s for `low_speed_time_s`.
  uint32_t low_speed_limit = 1;
  uint32_t low_speed_time_s = 60;
  uint32_t max_redirects = 10;
  /// The configured proxy to go through (`settings::proxies`); empty:
  /// direct. An id the configuration lacks fails the fetch.
  std::string proxy_id;
  /// Connections this transfer may open to one file (`--split` or the
  /// task's `connections`); 1 keeps it to one.
  uint32_t connections = 1;
  /// Connections per host (`--max-connections-per-host`).
  uint32_t max_per_host = 8;
  /// No part is split below this size (`--min-split-size`).
  uint64_t min_split_size = 4 << 20;
  /// Mirrors of `url`: more URLs of the same file.
  std::vector<std::string> mirrors;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_request& x) {
  return f(x.seq, x.url, x.path, x.offset, x.validator, x.max_size,
           x.rate_limit, x.allow_private, x.connect_timeout_s,
           x.low_speed_limit, x.low_speed_time_s, x.max_redirects,
           x.proxy_id, x.connections, x.max_per_host, x.min_split_size,
           x.mirrors);
}

/// One part of a segmented download: bytes [start, end) of the file, of
/// which the first `done` are on disk.
struct fetch_part {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t done = 0;
  /// Bytes per second of its connection; 0 while it has none.
  uint64_t speed = 0;
  /// The host it comes from (mirrors), without credentials.
  std::string source;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_part& x) {
  return f(x.start, x.end, x.done, x.speed, x.source);
}

/// Progress of a transfer, sent to the task at most a few times a second
/// and once as soon as the response headers are known.
struct fetch_progress {
  task_seq seq = 0;
  /// Bytes of the file on disk, including the resumed prefix.
  uint64_t done = 0;
  /// Full size of the file; -1 when the server did not say.
  int64_t total = -1;
  /// Bytes per second, averaged over the last seconds.
  uint64_t speed = 0;
  /// ETag (preferred) or Last-Modified of the response, once known.
  std::string validator;
  /// File name from Content-Disposition or the effective URL's path.
  std::string file_name;
  /// The parts of a segmented download; empty for one stream.
  std::vector<fetch_part> parts;
  /// What the transfer wants the task's log to say (a dropped mirror).
  std::vector<std::string> notes;
  /// A torrent's connected peers; -1 for a transfer without peers (HTTP).
  int32_t peers = -1;
  /// Set while the transfer moves no bytes because it waits: what for
  /// (`waits_for::file_descriptor`), with why in `notes`. Then only `seq` and
  /// `notes` are meaningful, and the task keeps the figures it has.
  std::string stalled;
};

/// What a task waits for while it moves no bytes (`fetch_progress::stalled`,
/// `task_status::waiting_for`, the Task API's `waiting_for`).
namespace waits_for {
/// The process has no descriptor to spare for a connection or file.
inline constexpr const char* file_descriptor = "file_descriptor";
/// The store has no room to record the task's end.
inline constexpr const char* storage = "storage";
} // namespace waits_for

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_progress& x) {
  return f(x.seq, x.done, x.total, x.speed, x.validator, x.file_name, x.parts,
           x.notes, x.peers, x.stalled);
}

/// The end of a transfer, successful or not.
struct fetch_result {
  task_seq seq = 0;
  /// `ec::none` on success.
  ec code = ec::none;
  std::string message;
  /// True when trying again later may help (connect error, 5xx, timeout).
  bool transient = false;
  /// Last HTTP status seen, 0 if none.
  uint32_t http_status = 0;
  /// Size of the complete file.
  uint64_t size = 0;
  /// Lower-case hex digests of the complete file (resumed prefix included).
  std::string md5;
  std::string sha1;
  std::string crc32;
  /// Lower-case MIME type without parameters; empty when unknown.
  std::string content_type;
  std::string file_name;
  std::string validator;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_result& x) {
  return f(x.seq, x.code, x.message, x.transient, x.http_status, x.size,
           x.md5, x.sha1, x.crc32, x.content_type, x.file_name, x.validator);
}

} // namespace skyhaul
