#pragma once
// An IDC: a remote S3-compatible endpoint that receives a replica of every
// object a task stores concretely (seed 000's `Success-IDC`/`Failure-IDC`).

#include <cstdint>
#include <map>
#include <string>

namespace skyhaul {

struct idc_config {
  /// The name reported in `Success-IDC` / `Failure-IDC`.
  std::string name;
  /// `http://host:port` or `https://host:port`; path-style requests.
  std::string endpoint;
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  /// Local bucket -> remote bucket. A local bucket not named here goes to
  /// `default_bucket`, or to a remote bucket of the same name when that is
  /// empty.
  std::map<std::string, std::string> bucket_map;
  std::string default_bucket;
  /// Objects of at least this size go up as multipart uploads.
  uint64_t multipart_threshold = uint64_t{64} << 20;
  /// Size of each part (S3: at least 5 MiB except the last).
  uint64_t part_size = uint64_t{16} << 20;
  /// CA certificates (PEM file) to verify the endpoint against; empty:
  /// the system's. Set for pushes to S3 accounts from `push_ca_file`.
  std::string ca_file;

  /// The remote bucket of local bucket `local`.
  const std::string& remote_bucket(const std::string& local) const {
    auto i = bucket_map.find(local);
    if (i != bucket_map.end())
      return i->second;
    return default_bucket.empty() ? local : default_bucket;
  }
};

} // namespace skyhaul
