#pragma once

// One download over one connection (actors/fetch_job.cpp): HTTP(S) with a
// resume by Range, FTP, FTPS and SFTP by offset. The first request of a
// fresh HTTP download probes for ranges and may hand the file over to a
// segmented transfer.

#include "actors/fetch_job.hpp"
#include "actors/file_pool.hpp"
#include "actors/remote_source.hpp"
#include "storage/digest.hpp"

#include <chrono>
#include <curl/curl.h>
#include <unistd.h>

namespace skyhaul {

/// ftp://, ftps:// or sftp://: a source fetched by offset, one stream.
bool is_remote_file_url(const std::string& url);

/// One running download.
struct transfer : curl_job, fetch_entry {
  std::shared_ptr<fetch_jobs> owner;
  fetch_request req;
  fetch_listener_actor who;
  CURL* easy = nullptr;
  /// The partial file: its descriptors are borrowed from the file pool
  /// for each write of `digests`, so a slow download holds none between
  /// its chunks.
  std::shared_ptr<pooled_file> file;
  /// Hashes the body and writes it to `file` on its workers.
  storage::digest_set digests;
  /// Bytes of the file received: on disk, or queued to be written.
  uint64_t on_disk = 0;
  /// Headers of the current response (reset by every status line).
  long status = 0;
  int64_t content_length = -1;
  std::string content_range;
  std::string etag;
  std::string last_modified;
  std::string disposition;
  std::string content_type;
  std::string location;
  bool headers_done = false;
  /// The response body goes to the file (a 2xx answer to our request).
  bool writing = false;
  /// 416 for a file that is complete already.
  bool complete_already = false;
  int64_t total = -1;
  ec forced = ec::none;
  std::string forced_message;
  std::string file_name;
  /// Speed over a sliding window.
  std::chrono::steady_clock::time_point last_report = std::chrono::steady_clock::now();
  uint64_t last_report_bytes = 0;
  uint64_t speed = 0;
  /// Extra request headers (If-Range); freed with the transfer.
  curl_slist* headers = nullptr;
  /// The proxy of this transfer (the loop's list outlives it); nullptr:
  /// direct.
  const proxy_config* proxy = nullptr;
  /// A socks5 proxy's checked origin addresses (CURLOPT_RESOLVE).
  std::string pins;
  curl_slist* resolve = nullptr;
  /// Through a proxy under a policy: redirects are followed here, each
  /// target checked first, not by curl.
  bool check_redirects = false;
  /// The first request of a fresh download asks `Range: bytes=0-`: a 206
  /// for a large file with a validator hands it to a segmented transfer.
  bool probe = false;
  bool handoff = false;
  /// An FTP, FTPS or SFTP source: no HTTP headers; resumed by offset.
  bool remote_file = false;
  /// The URL curl is given for a file source (ftpes:// becomes ftp://)
  /// and what its SSH host-key check refused (actors/remote_source.hpp).
  std::string ftp_url;
  /// The process ran out of descriptors for this transfer's socket or
  /// file: it waits and starts again instead of failing
  /// (fetch_jobs::await_descriptors).
  bool out_of_fds = false;
  /// The network policy's refusal, when this transfer's own socket
  /// callback (which notes `out_of_fds`) refused an address.
  std::string refused;
  /// The loop's policy, for that callback where the request has none.
  const base::net_policy* loop_policy = nullptr;
  host_key_check host_key;

  uint64_t task_rate_limit() const override {
    return req.rate_limit;
  }
  void set_rate(uint64_t bytes_per_s) override {
    curl_easy_setopt(easy, CURLOPT_MAX_RECV_SPEED_LARGE,
                     static_cast<curl_off_t>(bytes_per_s));
  }

  ~transfer() override {
    close_file();
    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
    if (owner) {
      auto i = owner->running_.find(req.seq);
      if (i != owner->running_.end() && i->second == this)
        owner->running_.erase(i);
      release_off_loop(std::move(owner));
    }
  }

  /// Every byte received reaches the file before it closes, so a paused
  /// or failed download resumes from all of them. Idempotent.
  void close_file() {
    digests.end_writes();
    if (file)
      file->close();
  }

  std::string validator() const {
    return !etag.empty() ? etag : last_modified;
  }

  const base::net_policy* policy() const override;
  bool prepare(CURL* e) override;
  /// Starts the next hop of a redirect that `check_redirects` keeps from
  /// curl; true when it did (or failed the transfer in `forced`: false).
  bool follow(CURL* e, CURLcode code);
  /// Ends this attempt without a result: the request starts again from
  /// the bytes on disk once descriptors are free.
  void wait_for_descriptors(const std::string& why);
  void finished(CURL* e, CURLcode code) override;
  void tick(std::chrono::steady_clock::time_point now) override;
};

} // namespace skyhaul
