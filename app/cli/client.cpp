#include "app/cli/client.hpp"

#include <chrono>
#include <cstdio>

#include <curl/curl.h>

namespace skyhaul::cli {

namespace {

size_t to_string_cb(char* p, size_t n, size_t m, void* out) {
  static_cast<std::string*>(out)->append(p, n * m);
  return n * m;
}

curl_slist* auth_headers(const endpoint& ep, bool json) {
  curl_slist* list = nullptr;
  if (!ep.key.empty())
    list = curl_slist_append(list, ("Authorization: Bearer " + ep.key).c_str());
  if (json)
    list = curl_slist_append(list, "Content-Type: application/json");
  return list;
}

/// Bounds every call that is not a stream: a dead server must not hang
/// the CLI.
constexpr long connect_timeout_s = 10;

} // namespace

http_reply call(const endpoint& ep, const std::string& method,
                const std::string& path, const std::string& body) {
  http_reply out;
  auto* h = curl_easy_init();
  auto* headers = auth_headers(ep, !body.empty());
  auto url = ep.api + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, connect_timeout_s);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
  if (!body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, to_string_cb);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &out.body);
  auto rc = curl_easy_perform(h);
  if (rc != CURLE_OK)
    out.error = std::string{"cannot reach "} + ep.api + ": "
                + curl_easy_strerror(rc);
  else
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  return out;
}

http_reply download(const endpoint& ep, const std::string& path,
                    const std::string& out_path) {
  http_reply out;
  struct sink {
    FILE* file = nullptr;
    std::string path;
    std::string error_body;
    long status = 0;
    CURL* h = nullptr;
  } s;
  s.path = out_path;
  auto* h = curl_easy_init();
  s.h = h;
  auto* headers = auth_headers(ep, false);
  auto url = ep.api + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, connect_timeout_s);
  using write_fn = size_t (*)(char*, size_t, size_t, void*);
  write_fn on_body = [](char* p, size_t n, size_t m, void* me) -> size_t {
    auto& s = *static_cast<sink*>(me);
    if (s.status == 0)
      curl_easy_getinfo(s.h, CURLINFO_RESPONSE_CODE, &s.status);
    if (s.status < 200 || s.status > 299) {
      s.error_body.append(p, n * m);
      return n * m;
    }
    if (!s.file && !(s.file = std::fopen(s.path.c_str(), "wb")))
      return 0;
    return std::fwrite(p, n, m, s.file) * n;
  };
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
  auto rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  if (out.status >= 200 && out.status <= 299 && !s.file)
    s.file = std::fopen(out_path.c_str(), "wb"); // an empty file
  if (s.file && std::fclose(s.file) != 0 && rc == CURLE_OK)
    out.error = "cannot write " + out_path;
  if (rc != CURLE_OK)
    out.error = rc == CURLE_WRITE_ERROR
                  ? "cannot write " + out_path
                  : std::string{"download failed: "} + curl_easy_strerror(rc);
  out.body = std::move(s.error_body);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  return out;
}

// -- event_feed ---------------------------------------------------------------

event_feed::event_feed(endpoint ep, std::string query)
  : ep_(std::move(ep)), query_(std::move(query)) {
  thread_ = std::thread{[this] { run(); }};
}

event_feed::~event_feed() {
  stop();
}

void event_feed::stop() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void event_feed::run() {
  struct conn {
    event_feed* feed;
    sse_reader reader;
    long status = 0;
    std::string error_body;
    CURL* h = nullptr;
  };
  std::string last_id;
  int failures = 0;
  while (!stop_) {
    conn c{this, {}, 0, {}, curl_easy_init()};
    auto* h = c.h;
    auto* headers = auth_headers(ep_, false);
    if (!last_id.empty())
      headers = curl_slist_append(headers, ("Last-Event-ID: " + last_id).c_str());
    auto url = ep_.api + "/events" + query_;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, connect_timeout_s);
    using write_fn = size_t (*)(char*, size_t, size_t, void*);
    write_fn on_body = [](char* p, size_t n, size_t m, void* me) -> size_t {
      auto& c = *static_cast<conn*>(me);
      if (c.status == 0)
        curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &c.status);
      if (c.status != 200) {
        c.error_body.append(p, n * m);
        return n * m;
      }
      auto evs = c.reader.feed({p, n * m});
      std::lock_guard<std::mutex> guard{c.feed->mtx_};
      for (auto& e : evs) {
        if (e.comment) {
          if (e.data == "subscribed")
            c.feed->subscribed_ = true;
          continue;
        }
        c.feed->queue_.push_back(std::move(e));
      }
      c.feed->cv_.notify_all();
      return n * m;
    };
    using progress_fn
      = int (*)(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
    progress_fn on_progress = [](void* me, curl_off_t, curl_off_t, curl_off_t,
                                 curl_off_t) -> int {
      return static_cast<conn*>(me)->feed->stop_ ? 1 : 0;
    };
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &c);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    auto rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (stop_)
      break;
    if (!c.reader.last_id().empty()) {
      last_id = c.reader.last_id();
      failures = 0;
    }
    std::unique_lock<std::mutex> guard{mtx_};
    if (c.status != 0 && c.status != 200) {
      // Refused (a wrong key, a bad filter): retrying will not help.
      failed_ = true;
      error_ = "the event stream answered " + std::to_string(c.status) + ": "
               + c.error_body;
      cv_.notify_all();
      return;
    }
    if (++failures > 30) {
      failed_ = true;
      error_ = std::string{"lost the event stream: "} + curl_easy_strerror(rc);
      cv_.notify_all();
      return;
    }
    // The daemon may be restarting: try again in a second.
    cv_.wait_for(guard, std::chrono::seconds(1), [this] { return stop_.load(); });
  }
}

bool event_feed::wait_subscribed(int timeout_ms) {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait_for(guard, std::chrono::milliseconds(timeout_ms),
               [this] { return subscribed_ || failed_; });
  if (!subscribed_ && !failed_)
    error_ = "no answer from the event stream";
  return subscribed_;
}

bool event_feed::next(sse_event& out, int timeout_ms) {
  std::unique_lock<std::mutex> guard{mtx_};
  cv_.wait_for(guard, std::chrono::milliseconds(timeout_ms),
               [this] { return !queue_.empty() || failed_; });
  if (queue_.empty())
    return false;
  out = std::move(queue_.front());
  queue_.pop_front();
  return true;
}

std::string event_feed::error() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return error_;
}

} // namespace skyhaul::cli
