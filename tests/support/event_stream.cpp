#include "tests/support/event_stream.hpp"

#include <algorithm>
#include <cctype>

#include <curl/curl.h>

namespace skyhaul::test {

event_stream::event_stream(std::string url, std::vector<std::string> headers) {
  thread_ = std::thread{[this, url = std::move(url),
                         headers = std::move(headers)]() mutable {
    run(std::move(url), std::move(headers));
  }};
}

event_stream::~event_stream() {
  close();
}

void event_stream::close() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  if (thread_.joinable())
    thread_.join();
}

void event_stream::run(std::string url, std::vector<std::string> headers) {
  auto* h = curl_easy_init();
  curl_slist* list = nullptr;
  for (auto& x : headers)
    list = curl_slist_append(list, x.c_str());
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  using write_fn = size_t (*)(char*, size_t, size_t, void*);
  write_fn on_body = [](char* p, size_t n, size_t m, void* me) -> size_t {
    auto* self = static_cast<event_stream*>(me);
    std::lock_guard<std::mutex> guard{self->mtx_};
    if (self->status_ == 0)
      self->status_ = 1;
    for (auto& ev : self->reader_.feed({p, n * m}))
      self->got_.push_back(std::move(ev));
    self->cv_.notify_all();
    return n * m;
  };
  write_fn on_header = [](char* p, size_t n, size_t m, void* me) -> size_t {
    auto* self = static_cast<event_stream*>(me);
    std::string line{p, n * m};
    std::lock_guard<std::mutex> guard{self->mtx_};
    if (line.rfind("HTTP/", 0) == 0 && line.size() > 12)
      self->status_ = std::stol(line.substr(9, 3));
    else
      self->head_ += line;
    self->cv_.notify_all();
    return n * m;
  };
  using progress_fn = int (*)(void*, curl_off_t, curl_off_t, curl_off_t,
                              curl_off_t);
  progress_fn on_progress = [](void* me, curl_off_t, curl_off_t, curl_off_t,
                               curl_off_t) -> int {
    auto* self = static_cast<event_stream*>(me);
    std::lock_guard<std::mutex> guard{self->mtx_};
    return self->stop_ ? 1 : 0;
  };
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, this);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  auto rc = curl_easy_perform(h);
  curl_slist_free_all(list);
  curl_easy_cleanup(h);
  std::lock_guard<std::mutex> guard{mtx_};
  ended_ = true;
  end_reason_ = curl_easy_strerror(rc);
  cv_.notify_all();
}

bool event_stream::wait(const std::function<bool(const events&)>& pred,
                        std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> guard{mtx_};
  return cv_.wait_for(guard, limit, [&] { return pred(got_) || ended_; })
         && pred(got_);
}

bool event_stream::wait_subscribed(std::chrono::milliseconds limit) {
  return wait(
    [](const events& evs) {
      return std::any_of(evs.begin(), evs.end(), [](const cli::sse_event& e) {
        return e.comment && e.data == "subscribed";
      });
    },
    limit);
}

event_stream::events event_stream::received() const {
  std::lock_guard<std::mutex> guard{mtx_};
  events out;
  for (auto& e : got_)
    if (!e.comment)
      out.push_back(e);
  return out;
}

event_stream::events event_stream::all() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return got_;
}

long event_stream::status() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return status_;
}

std::string event_stream::headers() const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto out = head_;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string event_stream::end_reason() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return end_reason_;
}

bool event_stream::ended() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return ended_;
}

} // namespace skyhaul::test
