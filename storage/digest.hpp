#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace skyhaul::storage {

/// MD5, SHA-1 and CRC32 of one byte stream, computed as it arrives.
///
/// The work runs on two process-wide worker threads (MD5 on one, SHA-1 and
/// CRC32 on the other) in 1 MiB chunks, so a download thread that feeds it
/// keeps receiving while the digests are computed on the other core.
/// `update` copies; `finish` waits for the workers. At most 16 MiB per set
/// are in flight: a faster feeder waits.
class digest_set {
public:
  /// Lower-case hex digests; CRC32 as 8 zero-padded digits.
  struct result {
    std::string md5;
    std::string sha1;
    std::string crc32;
  };

  digest_set();
  ~digest_set();
  digest_set(digest_set&&) noexcept;
  digest_set& operator=(digest_set&&) noexcept;

  void update(const void* data, size_t size);

  /// Ends the stream; the set is fresh again afterwards.
  result finish();

  /// Forgets everything fed so far.
  void reset();

  /// Bytes fed so far.
  uint64_t size() const {
    return size_;
  }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  uint64_t size_ = 0;
};

/// Feeds the first `limit` bytes of `path` into `ds`; returns the number of
/// bytes read (less than `limit` when the file is shorter). Blocking.
uint64_t feed_file(digest_set& ds, const std::string& path,
                   uint64_t limit = UINT64_MAX);

} // namespace skyhaul::storage
