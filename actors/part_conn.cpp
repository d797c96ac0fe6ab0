#include "actors/part_conn.hpp"

#include "actors/fd_budget.hpp"

#include "actors/fetch_job.hpp"
#include "actors/proxy_route.hpp"
#include "actors/segmented_transfer.hpp"
#include "base/metrics.hpp"
#include "protocol/text.hpp"
#include "storage/no_space.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace skyhaul {

part_conn::~part_conn() {
  curl_slist_free_all(headers);
  curl_slist_free_all(resolve);
  if (owner)
    owner->detach(this);
}

const base::net_policy* part_conn::policy() const {
  return owner ? fetch_policy(owner->req_) : nullptr;
}

curl_socket_t part_conn::on_open_socket(void* ud, curlsocktype,
                                        curl_sockaddr* addr) {
  auto& c = *static_cast<part_conn*>(ud);
  auto* own = c.policy();
  return open_watched_socket(
      *addr, own != nullptr ? *own : c.owner->loop_.defaults().policy,
      c.refused, c.out_of_fds);
}

bool part_conn::prepare(CURL* e) {
  easy = e;
  auto& t = *owner;
  auto& r = t.req_;
  auto* p = t.state_.plan.find(part);
  if (!p || p->left() == 0)
    return false;
  set_transfer_options(e, r, t.sources_[source].url, on_header, on_body, this);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, this);
  auto range = std::to_string(p->next()) + "-" + std::to_string(p->end - 1);
  curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());
  // A source that changed answers the whole file instead (200).
  auto hdr = "If-Range: " + t.state_.validator;
  headers = curl_slist_append(nullptr, hdr.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  if (t.proxy_)
    apply_proxy(e, *t.proxy_, {}, resolve);
  return true;
}

bool part_conn::on_headers() {
  if (status >= 300 && status < 400)
    return true; // curl follows; the next status line resets the state
  auto& t = *owner;
  // The origin's file changed; a mirror's is another file.
  auto other = [&] {
    (source == 0 ? changed : mismatch) = true;
    return false;
  };
  if (status == 200 || status == 416)
    return other();
  if (status != 206)
    return true; // an error status: its body is discarded
  auto got_validator = !etag.empty() ? etag : last_modified;
  unsigned long long first = 0, last = 0, total = 0;
  if (std::sscanf(content_range.c_str(), "bytes %llu-%llu/%llu", &first,
                  &last, &total)
      != 3) {
    forced_message = "the server answered a range without its size";
    return false;
  }
  if (total != t.state_.total
      || (!got_validator.empty() && got_validator != t.state_.validator))
    return other();
  auto* p = t.state_.plan.find(part);
  if (!p || first != p->next()) {
    forced_message = "the server answered a different range";
    return false;
  }
  writing = true;
  return true;
}

size_t part_conn::on_header(char* data, size_t size, size_t n, void* ud) {
  auto& c = *static_cast<part_conn*>(ud);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    auto sp = line.find(' ');
    c.status = sp == std::string::npos ? 0 : std::atol(line.c_str() + sp + 1);
    c.content_range.clear();
    c.etag.clear();
    c.last_modified.clear();
    return size * n;
  }
  if (line == "\r\n" || line == "\n")
    return c.on_headers() ? size * n : 0;
  auto colon = line.find(':');
  if (colon == std::string::npos)
    return size * n;
  auto name = ascii_lower(line.substr(0, colon));
  auto value = trim_space(line.substr(colon + 1));
  if (name == "content-range")
    c.content_range = value;
  else if (name == "etag")
    c.etag = value;
  else if (name == "last-modified")
    c.last_modified = value;
  return size * n;
}

size_t part_conn::on_body(char* data, size_t size, size_t n, void* ud) {
  auto& c = *static_cast<part_conn*>(ud);
  auto len = size * n;
  if (!c.writing || !c.owner)
    return len;
  auto& t = *c.owner;
  auto* p = t.state_.plan.find(c.part);
  if (!p)
    return 0;
  auto off = p->next();
  if (t.should_wait(off)) {
    c.paused = true;
    c.paused_at = off;
    return CURL_WRITEFUNC_PAUSE;
  }
  // A part split by another connection ends early: the rest is theirs.
  auto take = static_cast<size_t>(std::min<uint64_t>(len, p->left()));
  base::metrics::global().add_download(base::metrics::transfer::http, take);
  if (auto err = t.hasher_->write_error(); !err.empty()) {
    c.forced = storage::storage_error_code(err);
    c.forced_message = "cannot write the partial file: " + err;
    return 0;
  }
  if (off == t.hasher_->frontier() && t.hasher_->writes()) {
    // At the frontier the hasher's workers write it, as one stream's
    // bytes are written (O_DIRECT, off this thread). When they have all
    // they may queue, this waits: the hasher, not the origin, is the limit
    // (segmented_transfer::on_tick).
    if (t.hasher_->saturated())
      t.hasher_busy_seen_ = true;
    t.hasher_->arrived_new(off, data, take);
    p->done += take;
    c.got += take;
    if (p->left() == 0)
      c.reached_end = true;
    return take < len ? 0 : len;
  }
  size_t done = 0;
  while (done < take) {
    auto w = ::pwrite(t.fd_, data + done, take - done,
                      static_cast<off_t>(off + done));
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      auto err = w == 0 ? EIO : errno;
      c.forced = storage::no_space(err) ? ec::insufficient_storage
                                        : ec::internal_error;
      c.forced_message = std::string{"cannot write the partial file: "}
                         + std::strerror(err);
      return 0;
    }
    done += static_cast<size_t>(w);
  }
  // On disk (in the page cache) before it counts; the control file claims
  // it only after the data is synced and the hasher's writes are done
  // (segmented_transfer::checkpoint).
  t.hasher_->arrived(off, data, take);
  p->done += take;
  c.got += take;
  if (p->left() == 0)
    c.reached_end = true;
  return take < len ? 0 : len;
}

void part_conn::finished(CURL*, CURLcode code) {
  if (owner)
    owner->conn_finished(*this, code);
}

void part_conn::tick(std::chrono::steady_clock::time_point now) {
  if (now - last_tick >= std::chrono::milliseconds(500)) {
    auto secs = std::chrono::duration<double>(now - last_tick).count();
    speed = static_cast<uint64_t>((got - last_got) / secs);
    last_got = got;
    last_tick = now;
  }
  if (owner)
    owner->on_tick(now);
}

} // namespace skyhaul
