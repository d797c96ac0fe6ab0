#include "actors/fetch_job.hpp"

#include "actors/http_fetch.hpp"
#include "actors/proxy_route.hpp"
#include "base/metrics.hpp"
#include "protocol/text.hpp"
#include "storage/digest.hpp"

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

using clock_type = std::chrono::steady_clock;

/// One running download.
struct transfer : curl_job {
  std::shared_ptr<fetch_jobs> owner;
  fetch_request req;
  fetch_listener_actor who;
  CURL* easy = nullptr;
  int fd = -1;
  /// The partial file opened with O_DIRECT; -1 where the file system has
  /// no direct I/O (tmpfs).
  int direct_fd = -1;
  /// Hashes the body and writes it to `fd`/`direct_fd` on its workers.
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
  clock_type::time_point last_report = clock_type::now();
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

  ~transfer() override {
    close_file();
    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
    if (owner) {
      auto i = owner->running_.find(req.seq);
      if (i != owner->running_.end() && i->second == this)
        owner->running_.erase(i);
    }
  }

  /// Every byte received reaches the file before it closes, so a paused
  /// or failed download resumes from all of them. Idempotent.
  void close_file() {
    digests.end_writes();
    if (direct_fd >= 0)
      ::close(direct_fd);
    if (fd >= 0)
      ::close(fd);
    direct_fd = fd = -1;
  }

  std::string validator() const {
    return !etag.empty() ? etag : last_modified;
  }

  const base::net_policy* policy() const override;
  bool prepare(CURL* e) override;
  /// Starts the next hop of a redirect that `check_redirects` keeps from
  /// curl; true when it did (or failed the transfer in `forced`: false).
  bool follow(CURL* e, CURLcode code);
  void finished(CURL* e, CURLcode code) override;
  void tick(clock_type::time_point now) override;
};

namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
    ++i;
  return s.substr(i);
}

/// Empties the partial file and the digests. The digests go first: they
/// wait for writes still queued, which must not land after the truncation.
void start_over(transfer& t) {
  t.digests.reset();
  ::ftruncate(t.fd, 0);
  t.on_disk = 0;
  t.digests.write_to(t.fd, t.direct_fd, 0);
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
  auto value = trim(line.substr(colon + 1));
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
    t.content_type = ascii_lower(trim(value.substr(0, value.find(';'))));
  return size * n;
}

size_t write_cb(char* p, size_t size, size_t n, void* ud) {
  auto& t = *static_cast<transfer*>(ud);
  auto len = size * n;
  if (!t.writing)
    return len;
  if (t.req.max_size >= 0
      && t.on_disk + len > static_cast<uint64_t>(t.req.max_size)) {
    t.forced = ec::too_large;
    t.forced_message = "the source is larger than the limit of "
                       + std::to_string(t.req.max_size) + " bytes";
    return 0;
  }
  if (auto err = t.digests.write_error(); !err.empty()) {
    t.forced = ec::internal_error;
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

/// The policy a request's connections are checked against.
const base::net_policy& policy_of(const fetch_request& req,
                                  const curl_loop& loop) {
  return req.allow_private ? everything : loop.defaults().policy;
}

} // namespace

const base::net_policy* transfer::policy() const {
  return req.allow_private ? &everything : nullptr;
}

bool transfer::prepare(CURL* e) {
  easy = e;
  curl_easy_setopt(e, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(req.max_redirects));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(req.connect_timeout_s));
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT,
                   static_cast<long>(req.low_speed_limit));
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(req.low_speed_time_s));
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024L);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
  if (on_disk > 0) {
    auto range = std::to_string(on_disk) + "-";
    curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());
    if (!req.validator.empty()) {
      auto hdr = "If-Range: " + req.validator;
      headers = curl_slist_append(nullptr, hdr.c_str());
      curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    }
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

void transfer::finished(CURL* e, CURLcode code) {
  auto& t = *this;
  if (follow(e, code))
    return;
  fetch_result res;
  res.seq = t.req.seq;
  res.http_status = static_cast<uint32_t>(t.status);
  res.validator = t.validator();
  res.file_name = t.file_name;
  res.content_type = t.content_type;
  auto ok_status = (t.status >= 200 && t.status < 300) || t.complete_already;
  if (t.forced == ec::none && code != CURLE_OK && !refusal().empty()) {
    // A refused address ends the transfer only when no other address of
    // the name worked.
    t.forced = ec::blocked_address;
    t.forced_message = refusal();
    // Through a proxy, the only connection Skyhaul opens is to the proxy.
    if (t.proxy)
      t.forced_message = "proxy '" + t.proxy->id + "': " + refusal();
  }
  if (t.forced != ec::none) {
    res.code = t.forced;
    res.message = t.forced_message;
    res.transient = t.forced == ec::download_source_exception;
  } else if (code != CURLE_OK) {
    res.message = error_text()[0] != 0 ? error_text() : curl_easy_strerror(code);
    switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      res.code = ec::invalid_uri;
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      res.code = ec::download_source_exception;
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
      res.code = ec::internal_error;
      res.message = "cannot write the partial file: " + err;
    }
  }
  // The file is complete and closed before the task hears of it, and the
  // others get this transfer's share of the rate.
  close_file();
  owner->running_.erase(req.seq);
  owner->rebalance();
  caf::anon_send(who, atom::done_v, std::move(res));
}

void transfer::tick(clock_type::time_point now) {
  auto elapsed = now - last_report;
  if (elapsed < std::chrono::milliseconds(500))
    return;
  auto secs = std::chrono::duration<double>(elapsed).count();
  if (secs > 0 && on_disk >= last_report_bytes)
    speed = static_cast<uint64_t>((on_disk - last_report_bytes) / secs);
  last_report = now;
  last_report_bytes = on_disk;
  if (headers_done && writing)
    send_progress(*this);
}

fetch_jobs::fetch_jobs(std::shared_ptr<curl_loop> loop,
                       uint64_t global_rate_limit)
    : loop_(std::move(loop)), global_rate_limit_(global_rate_limit) {
}

void fetch_jobs::start(fetch_request req, fetch_listener_actor who) {
  auto self = shared_from_this();
  loop_->post([self, req = std::move(req),
               who = std::move(who)](curl_loop& loop) mutable {
    self->add(loop, std::move(req), std::move(who));
  });
}

void fetch_jobs::stop(task_seq seq) {
  auto self = shared_from_this();
  loop_->post([self, seq](curl_loop& loop) {
    self->checking_.erase(seq);
    auto i = self->running_.find(seq);
    if (i == self->running_.end())
      return;
    loop.remove(i->second);
    self->rebalance();
  });
}

void fetch_jobs::close() {
  closed_ = true;
  loop_->drop(this);
}

void fetch_jobs::fail(const fetch_request& req, const fetch_listener_actor& who,
                      ec code, std::string msg, bool transient) {
  fetch_result res;
  res.seq = req.seq;
  res.code = code;
  res.message = std::move(msg);
  res.transient = transient;
  caf::anon_send(who, atom::done_v, std::move(res));
  rebalance();
}

void fetch_jobs::add(curl_loop& loop, fetch_request req,
                     fetch_listener_actor who) {
  if (auto i = running_.find(req.seq); i != running_.end())
    loop.remove(i->second);
  checking_.erase(req.seq);
  const proxy_config* proxy = nullptr;
  if (!req.proxy_id.empty()) {
    proxy = find_proxy(loop.defaults().proxies, req.proxy_id);
    if (!proxy)
      return fail(req, who, ec::invalid_argument,
                  "unknown proxy '" + req.proxy_id
                    + "': the configuration has no proxy of that id");
  }
  auto& policy = policy_of(req, loop);
  if (!proxy || policy.allows_everything())
    return launch(loop, std::move(req), std::move(who), proxy, {}, false);
  // Resolving blocks: a thread of its own does it, and the loop goes on.
  // A stop, a newer start or the close meanwhile makes its answer stale.
  auto gen = ++generation_;
  checking_[req.seq] = gen;
  std::thread{[self = shared_from_this(), req = std::move(req),
               who = std::move(who), policy, gen]() mutable {
    bool unresolved = false;
    std::string pins;
    auto refusal = check_origin(req.url, policy, unresolved, pins);
    self->loop_->post([self, req = std::move(req), who = std::move(who), gen,
                       refusal = std::move(refusal), unresolved,
                       pins = std::move(pins)](curl_loop& loop) mutable {
      auto i = self->checking_.find(req.seq);
      if (self->closed_ || i == self->checking_.end() || i->second != gen)
        return;
      self->checking_.erase(i);
      if (!refusal.empty())
        return self->fail(req, who,
                          unresolved ? ec::download_source_exception
                                     : ec::blocked_address,
                          std::move(refusal), unresolved);
      auto* proxy = find_proxy(loop.defaults().proxies, req.proxy_id);
      self->launch(loop, std::move(req), std::move(who), proxy,
                   std::move(pins), true);
    });
  }}.detach();
}

void fetch_jobs::launch(curl_loop& loop, fetch_request req,
                        fetch_listener_actor who, const proxy_config* proxy,
                        std::string pins, bool check_redirects) {
  auto t = std::make_unique<transfer>();
  t->group = this;
  t->req = std::move(req);
  t->who = std::move(who);
  t->proxy = proxy;
  t->pins = std::move(pins);
  t->check_redirects = check_redirects;
  auto fail_now = [&](ec code, std::string msg) {
    fail(t->req, t->who, code, std::move(msg));
  };
  std::error_code err;
  std::filesystem::create_directories(
      std::filesystem::path(t->req.path).parent_path(), err);
  t->fd = ::open(t->req.path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (t->fd < 0)
    return fail_now(ec::internal_error,
                    "cannot open " + t->req.path + ": " + std::strerror(errno));
  // Resume: the bytes on disk are hashed again, so the digests cover the
  // whole file. Reading them blocks the loop briefly, once per resume.
  t->on_disk = storage::feed_file(t->digests, t->req.path, t->req.offset);
  ::ftruncate(t->fd, static_cast<off_t>(t->on_disk));
  t->direct_fd = ::open(t->req.path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  t->digests.write_to(t->fd, t->direct_fd, t->on_disk);
  t->last_report_bytes = t->on_disk;
  // Registered before the loop owns it: the job's destructor, whenever it
  // runs, takes it out again.
  auto* raw = t.get();
  t->owner = shared_from_this();
  running_[raw->req.seq] = raw;
  loop.add(std::move(t));
  rebalance();
}

void fetch_jobs::rebalance() {
  // The global limit is shared evenly; a per-task limit caps each share.
  if (running_.empty())
    return;
  uint64_t share = 0;
  if (global_rate_limit_ > 0)
    share = std::max<uint64_t>(1, global_rate_limit_ / running_.size());
  for (auto& kvp : running_) {
    auto limit = kvp.second->req.rate_limit;
    if (share > 0)
      limit = limit > 0 ? std::min(limit, share) : share;
    curl_easy_setopt(kvp.second->easy, CURLOPT_MAX_RECV_SPEED_LARGE,
                     static_cast<curl_off_t>(limit));
  }
}

} // namespace skyhaul
