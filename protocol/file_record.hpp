#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace skyhaul {

/// One stored object produced by a task, as reported to the user.
struct file_record {
  /// Object key inside the bucket.
  std::string key;
  /// File name inside the task (the HTTP file name or torrent path).
  std::string name;
  uint64_t size = 0;
  /// Lower-case hex digests of the content.
  std::string md5;
  std::string sha1;
  std::string crc32;
  /// Lower-case MIME type.
  std::string content_type;
  /// Content address of the blob file (lower-case hex SHA-1).
  std::string blob;
  /// When the object was stored (ms since the epoch).
  int64_t last_modified_ms = 0;
  /// False when `OnKeyExist` kept an existing object instead of this one.
  bool concrete = true;
  /// IDCs the first replica attempt reached / did not reach (empty when
  /// no IDC is configured or the upload was not concrete).
  std::vector<std::string> idc_ok;
  std::vector<std::string> idc_failed;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, file_record& x) {
  return f(x.key, x.name, x.size, x.md5, x.sha1, x.crc32, x.content_type,
           x.blob, x.last_modified_ms, x.concrete, x.idc_ok, x.idc_failed);
}

} // namespace skyhaul
