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

/// The file to upload and what the remote must confirm.
struct upload_source {
  std::string path;
  uint64_t size = 0;
  /// Lower-case hex MD5 of the whole file: sent as `Content-MD5` and
  /// checked against the returned ETag.
  std::string md5;
  std::string content_type;
};

class curl_loop;

/// How an upload ended: empty on success, or what went wrong. Runs on the
/// loop thread.
using upload_done = std::function<void(std::string error)>;

/// Starts uploading `src` to `<idc.endpoint>/<bucket>/<key>` on `loop`.
/// `timeout_s` bounds each request. Its jobs belong to `group`: dropping
/// the group aborts the upload without `done`. False when the loop has
/// stopped.
bool start_s3_upload(curl_loop& loop, const void* group, idc_config idc,
                     const std::string& bucket, const std::string& key,
                     upload_source src, request_signer sign, long timeout_s,
                     upload_done done);

/// Percent-encodes an object key for a path, keeping '/'.
std::string encode_key(const std::string& key);

/// The ETag S3 gives a multipart object: hex MD5 of the concatenated
/// binary part MD5s, then `-<parts>`.
std::string multipart_etag(const std::vector<std::string>& part_md5s);

} // namespace skyhaul
