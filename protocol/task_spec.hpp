#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/acl.hpp"
#include "protocol/on_key_exist.hpp"
#include "protocol/enum_range.hpp"

namespace skyhaul {

/// Which face created a task; each face renders the same task its own way.
enum class face : uint8_t { task_api = 0, offline_api, offcloud_api };

template <>
struct enum_range<face> {
  static constexpr auto last = face::offcloud_api;
};

/// What a user asked for. Validated at the edge (http/): inside the system
/// every field is already well-formed.
struct task_spec {
  /// The source: http(s) URL, .torrent URL or magnet link.
  std::string url;
  /// Destination bucket.
  std::string bucket;
  /// Full object key; empty means `target` + file name.
  std::string key;
  /// Key prefix, used when `key` is empty.
  std::string target;
  /// Expected digests, lower-case hex; empty means "not checked".
  std::string md5;
  std::string sha1;
  std::string crc32;
  /// Expected size in bytes; -1 means "not checked".
  int64_t size = -1;
  on_key_exist rule = on_key_exist::override_;
  /// Canned ACL and grants of the stored objects.
  acl_spec acl;
  std::string success_callback_url;
  std::string failure_callback_url;
  /// An uploaded `.torrent` (bencoded), the source when not empty; `url`
  /// is empty then.
  std::string torrent;
  /// Wanted files of a torrent; empty means all.
  std::vector<std::string> files;
  /// Create the task in the paused state.
  bool start_paused = false;
  face origin = face::task_api;
  // Appended in task_record format 1.1 (older records read these as empty):
  /// The configured proxy (`settings::proxies`) this task's transfers go
  /// through; "" means none.
  std::string proxy_id;
  /// The caller's remote account that receives every stored file; 0 means
  /// none.
  uint64_t remote_account = 0;
  /// Folder path on the remote account.
  std::string remote_folder;
  // Appended in task_record format 1.2 (older records read these as empty):
  /// More URLs of the same file (mirrors); parts are spread over `url` and
  /// these.
  std::vector<std::string> urls;
  /// Connections of an HTTP download; 0 means the service's `--split`.
  uint32_t connections = 0;
  // Appended in task_record format 1.4 (older records read it as false):
  /// A torrent waits for the choice of its files once the metadata is
  /// known (as qBittorrent's content dialog): the task pauses itself
  /// before downloading. A choice (`PUT /task/tid/<tid>/files`) resumes
  /// it; a plain resume takes every file. Cleared by either.
  bool pick_files = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_spec& x) {
  return f(x.url, x.bucket, x.key, x.target, x.md5, x.sha1, x.crc32, x.size,
           x.rule, x.acl, x.success_callback_url, x.failure_callback_url,
           x.torrent, x.files, x.start_paused, x.origin, x.proxy_id,
           x.remote_account, x.remote_folder, x.urls, x.connections,
           x.pick_files);
}

} // namespace skyhaul
