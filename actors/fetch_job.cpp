#include "actors/fetch_transfer.hpp"

#include "actors/http_fetch.hpp"
#include "actors/fd_budget.hpp"
#include "actors/proxy_route.hpp"
#include "actors/segment_state.hpp"
#include "base/metrics.hpp"
#include "base/url_text.hpp"
#include "protocol/text.hpp"
#include "storage/digest.hpp"
#include "storage/blob_store.hpp"
#include "storage/no_space.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <curl/curl.h>
#include <fcntl.h>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace skyhaul {

bool is_remote_file_url(const std::string& url) {
  auto scheme = ascii_lower(url.substr(0, url.find(':')));
  return scheme == "ftp" || scheme == "ftps" || scheme == "ftpes"
         || scheme == "sftp";
}

using clock_type = std::chrono::steady_clock;

namespace {

/// Below this speed a download's chunk takes seconds to fill: it writes
/// every `slow_flush_bytes` instead (see transfer::tick).
constexpr uint64_t slow_speed = 1 << 20;
constexpr size_t slow_flush_bytes = 8 * 1024;

/// Empties the partial file and the digests. The digests go first: they
/// wait for writes still queued, which must not land after the truncation.
void start_over(transfer& t) {
  t.digests.reset();
  ::truncate(t.req.path.c_str(), 0);
  t.on_disk = 0;
  t.digests.write_to(t.file, 0);
}


void send_progress(transfer& t) {
  fetch_progress p;
  p.seq = t.req.seq;
  p.done = t.on_disk;
  p.total = t.total;
  p.speed = t.speed;
  p.validator = t.validator();
  p.file_name = t.file_name;
  caf::anon_send(t.who, atom::progress_v, std::move(p));
}

/// The answer to the probe's `bytes=0-` asks for parts: a file of at
/// least two parts whose ETag or Last-Modified the parts can send as
/// If-Range, within the size limit.
bool segmentable(const transfer& t) {
  unsigned long long first = 0, last = 0, total = 0;
  if (std::sscanf(t.content_range.c_str(), "bytes %llu-%llu/%llu", &first,
                  &last, &total)
          != 3
      || first != 0 || t.validator().empty())
    return false;
  if (t.req.max_size >= 0 && total > static_cast<uint64_t>(t.req.max_size))
    return false;
  return total >= 2 * std::max<uint64_t>(t.req.min_split_size, 1);
}

/// A 206's Content-Range starts at byte 0.
bool range_from_zero(const transfer& t) {
  unsigned long long first = 0, last = 0;
  return std::sscanf(t.content_range.c_str(), "bytes %llu-%llu", &first, &last)
             == 2
         && first == 0;
}

/// Called once the headers of the final (non-redirect) response are in.
bool on_headers(transfer& t) {
  t.headers_done = true;
  if (t.status >= 300 && t.status < 400 && !t.location.empty())
    return true; // curl follows; the next response resets the state.
  t.file_name = file_name_from(t.disposition, "");
  if (t.file_name == "download") {
    char* eff = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &eff);
    t.file_name = file_name_from({}, eff ? eff : t.req.url);
  }
  if (t.status == 206 && t.on_disk > 0) {
    // Content-Range: bytes <first>-<last>/<total>
    unsigned long long first = 0, last = 0;
    char total[32] = {0};
    if (std::sscanf(t.content_range.c_str(), "bytes %llu-%llu/%31s", &first,
                    &last, total)
            < 2
        || first != t.on_disk) {
      t.forced = ec::download_source_exception;
      t.forced_message = "the server answered a different range";
      // Start over: the prefix may no longer match the source.
      start_over(t);
      return false;
    }
    t.total = total[0] != '*' && total[0] != 0 ? std::atoll(total)
                                               : int64_t(last + 1);
    t.writing = true;
  } else if (t.status == 206 && t.probe && segmentable(t)) {
    t.handoff = true;
    return false;
  } else if (t.status == 416 && t.on_disk > 0) {
    // Range past the end: complete when the source is exactly this long.
    auto slash = t.content_range.find('/');
    if (slash != std::string::npos
        && std::strtoull(t.content_range.c_str() + slash + 1, nullptr, 10)
               == t.on_disk) {
      t.complete_already = true;
      t.total = static_cast<int64_t>(t.on_disk);
    }
    return true;
  } else if (t.status == 206 && !range_from_zero(t)) {
    // Nothing is on disk, so only `bytes=0-` was asked (or no range): a
    // 206 of other bytes would be stored at the wrong place.
    t.forced = ec::download_source_exception;
    t.forced_message = "the server answered a different range";
    return false;
  } else if (t.status >= 200 && t.status < 300) {
    if (t.on_disk > 0) {
      // The server ignored the range (or the source changed): start over.
      start_over(t);
    }
    t.total = t.content_length;
    t.writing = true;
  } else {
    return true; // an error status: the body is discarded
  }
  if (t.req.max_size >= 0 && t.total > t.req.max_size) {
    t.forced = ec::too_large;
    t.forced_message = "the source is larger than the limit of "
                       + std::to_string(t.req.max_size) + " bytes";
    return false;
  }
  send_progress(t);
  return true;
}

size_t header_cb(char* p, size_t size, size_t n, void* ud) {
  auto& t = *static_cast<transfer*>(ud);
  if (t.remote_file)
    return size * n; // server replies, not headers
  std::string line(p, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    t.status = 0;
    auto sp = line.find(' ');
    if (sp != std::string::npos)
      t.status = std::atol(line.c_str() + sp + 1);
    t.content_length = -1;
    t.content_range.clear();
    t.etag.clear();
    t.last_modified.clear();
    t.disposition.clear();
    t.content_type.clear();
    t.location.clear();
    t.headers_done = false;
    return size * n;
  }
  if (line == "\r\n" || line == "\n")
    return on_headers(t) ? size * n : 0;
  auto colon = line.find(':');
  if (colon == std::string::npos)
    return size * n;
  auto name = ascii_lower(line.substr(0, colon));
  auto value = trim_space(line.substr(colon + 1));
  if (name == "content-length")
    t.content_length = std::atoll(value.c_str());
  else if (name == "content-range")
    t.content_range = value;
  else if (name == "etag")
    t.etag = value;
  else if (name == "last-modified")
    t.last_modified = value;
  else if (name == "content-disposition")
    t.disposition = value;
  else if (name == "location")
    t.location = value;
  else if (name == "content-type")
    t.content_type = ascii_lower(trim_space(value.substr(0, value.find(';'))));
  return size * n;
}

/// FTP and SFTP say the size before the first byte: what is left after
/// the resume offset.
void learn_remote_size(transfer& t) {
  curl_off_t left = -1;
  curl_easy_getinfo(t.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &left);
  if (left >= 0)
    t.total = static_cast<int64_t>(t.on_disk) + left;
  t.file_name = file_name_from({}, t.req.url);
  send_progress(t);
}

size_t write_cb(char* p, size_t size, size_t n, void* ud) {
  auto& t = *static_cast<transfer*>(ud);
  auto len = size * n;
  if (!t.writing)
    return len;
  if (t.remote_file && t.total < 0)
    learn_remote_size(t);
  if (t.req.max_size >= 0
      && t.on_disk + len > static_cast<uint64_t>(t.req.max_size)) {
    t.forced = ec::too_large;
    t.forced_message = "the source is larger than the limit of "
                       + std::to_string(t.req.max_size) + " bytes";
    return 0;
  }
  if (auto err = t.digests.write_error(); !err.empty()) {
    t.out_of_fds = descriptors_exhausted(err);
    t.forced = storage::storage_error_code(err);
    t.forced_message = "cannot write the partial file: " + err;
    return 0;
  }
  // Copied once into the digest set's chunks; its workers hash them and
  // write them to the partial file.
  t.digests.update(p, len);
  t.on_disk += len;
  base::metrics::global().add_download(base::metrics::transfer::http, len);
  return len;
}

const base::net_policy everything{true};

/// The smaller of two rate limits, where 0 is none.
uint64_t tightest_limit(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0)
    return a + b;
  return std::min(a, b);
}

/// The loop's socket callback, which also notes a socket that failed for
/// want of descriptors: that transfer waits instead of failing.
curl_socket_t open_socket_cb(void* ud, curlsocktype, curl_sockaddr* addr) {
  auto& t = *static_cast<transfer*>(ud);
  auto* own = t.policy();
  return open_watched_socket(
      *addr, own != nullptr ? *own : *t.loop_policy, t.refused, t.out_of_fds);
}

} // namespace

const base::net_policy* fetch_policy(const fetch_request& req) {
  return req.allow_private ? &everything : nullptr;
}

const base::net_policy* transfer::policy() const {
  return fetch_policy(req);
}

void set_transfer_options(CURL* e, const fetch_request& req,
                          const std::string& url,
                          curl_write_callback on_header,
                          curl_write_callback on_body, void* ud) {
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(req.max_redirects));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(req.connect_timeout_s));
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT,
                   static_cast<long>(req.low_speed_limit));
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(req.low_speed_time_s));
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024L);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, ud);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, ud);
}

bool transfer::prepare(CURL* e) {
  easy = e;
  set_transfer_options(e, req, req.url, header_cb, write_cb, this);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket_cb);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, this);
  if (remote_file) {
    apply_remote_source(
        e, req.url, owner->loop_->defaults(),
        tightest_limit(req.rate_limit, owner->global_rate_limit_), ftp_url,
        host_key);
    // REST (FTP) or a seek (SFTP) from the bytes on disk.
    curl_easy_setopt(e, CURLOPT_RESUME_FROM_LARGE,
                     static_cast<curl_off_t>(on_disk));
    writing = true;
    headers_done = true;
  } else if (on_disk > 0) {
    auto range = std::to_string(on_disk) + "-";
    curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());
    if (!req.validator.empty()) {
      auto hdr = "If-Range: " + req.validator;
      headers = curl_slist_append(nullptr, hdr.c_str());
      curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    }
  } else if (probe) {
    curl_easy_setopt(e, CURLOPT_RANGE, "0-");
  }
  if (proxy) {
    apply_proxy(e, *proxy, pins, resolve);
    if (check_redirects)
      curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  }
  return true;
}

bool transfer::follow(CURL* e, CURLcode code) {
  if (!check_redirects || code != CURLE_OK || forced != ec::none
      || status < 300 || status >= 400)
    return false;
  char* next = nullptr;
  curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &next);
  if (!next)
    return false;
  if (req.max_redirects == 0) {
    forced = ec::download_source_exception;
    forced_message = "more than the allowed redirects";
    return false;
  }
  // The next hop is a new request of the same task, through the same
  // origin check; this transfer goes without a result.
  auto hop = req;
  hop.url = next;
  --hop.max_redirects;
  close_file();
  owner->running_.erase(req.seq);
  auto jobs = owner;
  jobs->add(*jobs->loop_, std::move(hop), who);
  return true;
}

void transfer::wait_for_descriptors(const std::string& why) {
  close_file();
  // It goes on from what is on disk: a failed write left none of its
  // bytes there.
  auto req_again = req;
  req_again.offset = std::min<uint64_t>(
      on_disk, storage::file_size_or_zero(req.path));
  if (!validator().empty())
    req_again.validator = validator();
  owner->running_.erase(req.seq);
  auto jobs = owner;
  jobs->await_descriptors(std::move(req_again), who, why);
  jobs->rebalance();
}

void transfer::finished(CURL* e, CURLcode code) {
  auto& t = *this;
  if (code != CURLE_OK && out_of_fds && !handoff)
    return wait_for_descriptors(
        descriptors_exhausted(digests.write_error())
            ? "no descriptor to write " + req.path
            : "no descriptor for a connection to " + redact_url(req.url));
  if (follow(e, code))
    return;
  if (handoff) {
    // Nothing of the body was taken: the parts fetch all of it.
    segment_state s;
    s.total = std::strtoull(
        content_range.c_str() + content_range.find('/') + 1, nullptr, 10);
    s.validator = validator();
    char* eff = nullptr;
    curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
    s.url = eff ? eff : req.url;
    s.plan = segment_plan(s.total, std::max<uint32_t>(req.connections, 1),
                          req.min_split_size);
    s.file_name = file_name;
    s.content_type = content_type;
    close_file();
    owner->running_.erase(req.seq);
    auto jobs = owner;
    jobs->segment(req, who, proxy, std::move(s));
    return;
  }
  fetch_result res;
  res.seq = t.req.seq;
  res.http_status = static_cast<uint32_t>(t.status);
  res.validator = t.validator();
  res.file_name = t.file_name;
  res.content_type = t.content_type;
  auto ok_status = (t.status >= 200 && t.status < 300) || t.complete_already
                   || (t.remote_file && code == CURLE_OK);
  auto refused_here = !refusal().empty() ? refusal() : refused;
  if (t.forced == ec::none && code != CURLE_OK && !refused_here.empty()) {
    // A refused address ends the transfer only when no other address of
    // the name worked.
    t.forced = ec::blocked_address;
    t.forced_message = refused_here;
    // Through a proxy, the only connection Skyhaul opens is to the proxy.
    if (t.proxy)
      t.forced_message = "proxy '" + t.proxy->id + "': " + refused_here;
  }
  if (t.forced != ec::none) {
    res.code = t.forced;
    res.message = t.forced_message;
    res.transient = t.forced == ec::download_source_exception;
  } else if (code != CURLE_OK) {
    res.message = error_text()[0] != 0 ? error_text() : curl_easy_strerror(code);
    switch (code) {
    case CURLE_REMOTE_FILE_NOT_FOUND:
      res.code = ec::no_such_download_source;
      break;
    case CURLE_LOGIN_DENIED:
    case CURLE_REMOTE_ACCESS_DENIED:
      res.code = ec::download_source_exception;
      break;
    case CURLE_BAD_DOWNLOAD_RESUME:
      // The file is shorter than the bytes on disk: it changed.
      start_over(t);
      res.code = ec::download_source_exception;
      res.transient = true;
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      res.code = ec::invalid_uri;
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      res.code = ec::download_source_exception;
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_USE_SSL_FAILED:
      // The same server shows the same certificate or key on a retry.
      res.code = ec::download_source_exception;
      if (!host_key.refusal.empty()) {
        res.message = host_key.refusal;
      } else {
        long proxy_result = 0;
        if (proxy)
          curl_easy_getinfo(e, CURLINFO_PROXY_SSL_VERIFYRESULT, &proxy_result);
        res.message = (proxy_result != 0
                           ? "proxy '" + proxy->id + "' cannot be verified: "
                           : std::string{"the source's identity cannot be "
                                         "verified: "})
                      + res.message;
      }
      break;
    default:
      res.code = ec::download_source_exception;
      res.transient = true;
    }
  } else if (!ok_status) {
    res.message = "the source answered HTTP " + std::to_string(t.status);
    if (t.status == 404 || t.status == 410) {
      res.code = ec::no_such_download_source;
    } else {
      res.code = ec::download_source_exception;
      res.transient = t.status >= 500 || t.status == 408 || t.status == 429;
    }
  } else if (t.total >= 0 && t.on_disk != static_cast<uint64_t>(t.total)) {
    res.code = ec::download_source_exception;
    res.message = "the body ended after " + std::to_string(t.on_disk) + " of "
                  + std::to_string(t.total) + " bytes";
    res.transient = true;
  }
  if (res.code == ec::none) {
    auto d = t.digests.finish();
    res.md5 = std::move(d.md5);
    res.sha1 = std::move(d.sha1);
    res.crc32 = std::move(d.crc32);
    res.size = t.on_disk;
    if (auto err = t.digests.write_error(); !err.empty()) {
      if (descriptors_exhausted(err))
        return wait_for_descriptors("no descriptor to write " + req.path);
      res.code = storage::storage_error_code(err);
      res.message = "cannot write the partial file: " + err;
    }
  }
  // The file is complete and closed before the task hears of it, and the
  // others get this transfer's share of the rate.
  close_file();
  owner->running_.erase(req.seq);
  owner->rebalance();
  // Its socket and file are free now: a transfer waiting for descriptors
  // may have them.
  owner->descriptors_freed();
  caf::anon_send(who, atom::done_v, std::move(res));
}

void transfer::tick(clock_type::time_point now) {
  auto elapsed = now - last_report;
  if (elapsed < std::chrono::milliseconds(500))
    return;
  auto secs = std::chrono::duration<double>(elapsed).count();
  if (secs > 0 && on_disk >= last_report_bytes)
    speed = static_cast<uint64_t>((on_disk - last_report_bytes) / secs);
  // A slow download writes what it holds once it is a few pages, not
  // when its 1 MiB chunk is full: ten thousand of them at 1 KB/s would
  // otherwise keep 10 MB more in memory every second, up to 10 GB.
  if (speed < slow_speed && digests.buffered() >= slow_flush_bytes)
    digests.flush();
  last_report = now;
  last_report_bytes = on_disk;
  if (headers_done && writing)
    send_progress(*this);
}

} // namespace skyhaul
