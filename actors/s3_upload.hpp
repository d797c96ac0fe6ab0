#pragma once
// An S3 upload as jobs on the curl loop: one PUT, or a multipart upload
// above the IDC's threshold, one request at a time. Nothing blocks the
// loop: each answer starts the next request on the loop thread, and each
// part is read and hashed on the loop's disk threads first.

#include "protocol/idc.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace skyhaul {

/// Signs one request. Gets the method, the URI-encoded path, the canonical
/// (sorted, encoded) query, the lower-case headers to be sent (with
/// `host`) and the payload hash; returns the headers to add.
using request_signer
    = std::function<std::vector<std::pair<std::string, std::string>>(
        const std::string& method, const std::string& path,
        const std::string& query,
        const std::map<std::string, std::string>& headers,
        const std::string& payload_sha256)>;

/// The signer of SigV4 requests with `idc`'s keys and region, dated when
/// each request is sent.
request_signer sigv4_signer(const idc_config& idc);

/// A multipart upload the remote holds: what a later attempt continues.
struct multipart_state {
  /// Empty: no multipart upload is open.
  std::string upload_id;
  /// The size the file is cut in (the last part may be shorter).
  uint64_t part_size = 0;
  /// Lower-case hex MD5 of each part the remote confirmed, in order.
  std::vector<std::string> part_md5s;
};

/// The file to upload and what the remote must confirm.
struct upload_source {
  std::string path;
  uint64_t size = 0;
  /// Lower-case hex MD5 of the whole file: sent as `Content-MD5` and
  /// checked against the returned ETag.
  std::string md5;
  std::string content_type;
  /// A multipart upload an earlier attempt left open: continued after its
  /// confirmed parts when its part size is still the IDC's, else aborted.
  multipart_state resume;
};

class curl_loop;

/// How an upload ended: empty on success, or what went wrong, and the
/// multipart upload it leaves open for the next attempt (none after a
/// success). Runs on the loop thread.
using upload_done
    = std::function<void(std::string error, multipart_state open)>;

/// Ends the wait for a record of the open multipart upload: true once it
/// is committed, false when it cannot be. Callable from any thread, once.
using upload_recorded = std::function<void(bool recorded)>;

/// The open multipart upload changed: it began, or the remote confirmed a
/// part. Runs on the loop thread. The upload waits until `recorded` is
/// called: no part goes under an upload id that a crash would forget (it
/// would stay open on the remote, holding its parts, with nobody knowing
/// its id), and no more than the part in flight is sent beyond what is
/// recorded. A new upload that cannot be recorded is aborted; a part that
/// cannot be ends the attempt, leaving the upload open.
using upload_saved
    = std::function<void(const multipart_state&, upload_recorded recorded)>;

/// Starts uploading `src` to `<idc.endpoint>/<bucket>/<key>` on `loop`.
/// `timeout_s` bounds each request. Its jobs belong to `group`: dropping
/// the group aborts the upload without `done`. False when the loop has
/// stopped.
///
/// With `saved`, a multipart upload is resumable: a failed attempt leaves
/// it open (and says so to `done`) so that the next one sends only the
/// parts the remote has not confirmed. Without, a failed attempt aborts
/// it on the remote.
bool start_s3_upload(curl_loop& loop, const void* group, idc_config idc,
                     const std::string& bucket, const std::string& key,
                     upload_source src, request_signer sign, long timeout_s,
                     upload_saved saved, upload_done done);

/// Aborts multipart upload `upload_id` of `<bucket>/<key>` on the remote,
/// once, and calls `done` (on the loop thread) with its error or "". For a
/// job that gives up: the parts the remote holds would stay until aborted.
bool abort_s3_upload(curl_loop& loop, const void* group, idc_config idc,
                     const std::string& bucket, const std::string& key,
                     const std::string& upload_id, request_signer sign,
                     long timeout_s, std::function<void(std::string)> done);

/// Percent-encodes an object key for a path, keeping '/'.
std::string encode_key(const std::string& key);

/// The ETag S3 gives a multipart object: hex MD5 of the concatenated
/// binary part MD5s, then `-<parts>`.
std::string multipart_etag(const std::vector<std::string>& part_md5s);

} // namespace skyhaul
