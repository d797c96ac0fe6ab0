#pragma once
// One file pushed to a remote account, as jobs on the curl loop: FTP, FTPS
// (explicit TLS on the control and data connections), SFTP (curl's libssh2,
// the host key pinned on first use), WebDAV (MKCOL for each folder, then
// PUT) and S3 (actors/s3_upload.cpp: SigV4, multipart above a threshold).
// Nothing blocks: each answer starts the next request on the loop thread,
// and every connection goes through the loop's network policy.

#include "actors/s3_upload.hpp"
#include "protocol/remote_account.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace skyhaul {

class curl_loop;

/// What a push needs; the account's secret comes opened.
struct push_request {
  remote_account account;
  std::string secret;
  /// The blob file and what it holds.
  std::string file_path;
  uint64_t size = 0;
  std::string md5;
  std::string content_type;
  /// Where the file goes under the account's own path ('/'-separated).
  std::string remote_path;
  /// CA bundle for TLS servers; empty: the system's.
  std::string ca_file;
  /// S3: multipart at or above this size, in parts of `part_size`.
  uint64_t multipart_threshold = uint64_t{64} << 20;
  uint64_t part_size = uint64_t{16} << 20;
  /// S3: a multipart upload an earlier attempt left open, continued.
  multipart_state resume;
};

/// How a push ended.
struct push_end {
  /// Empty when every byte is on the remote.
  std::string error;
  /// Trying again is pointless (a refused address, a changed host key).
  bool final = false;
  /// SFTP: the host key the server showed (`ssh_fingerprint`).
  std::string host_key;
  /// S3: the multipart upload a failed attempt leaves open for the next
  /// one (none after a success or a final failure).
  multipart_state open;
};

/// Runs on the loop thread, once per started push.
using push_done = std::function<void(push_end)>;

/// Starts `req` on `loop`; its jobs belong to `group`, so dropping the
/// group aborts it without `done`. False when the loop has stopped.
/// An S3 push's multipart upload reports to `saved` when it begins and
/// for each part the remote confirms, and waits for each record (see
/// `upload_saved`): then a failed attempt leaves it open for the next.
bool start_push(curl_loop& loop, const void* group, push_request req,
                upload_saved saved, push_done done);

/// Aborts the multipart upload `upload_id` that a push of `req` (to an S3
/// account) left open, once; `done` gets its error or "" on the loop
/// thread. For a job that gives up. False when the loop has stopped.
bool abort_push_upload(curl_loop& loop, const void* group,
                       const push_request& req, const std::string& upload_id,
                       std::function<void(std::string)> done);

/// `SHA256:` and the unpadded base64 of the SHA-256 of an SSH host key
/// blob, as OpenSSH prints fingerprints.
std::string ssh_fingerprint(std::string_view key_blob);

/// The URL of `path` on `acc` ("" for s3), each segment percent-encoded.
/// FTP paths are relative to the login folder and SFTP ones to the home
/// folder unless the account's path starts with '/'.
std::string push_url(const remote_account& acc, const std::string& path);

} // namespace skyhaul
