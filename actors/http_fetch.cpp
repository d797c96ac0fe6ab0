#include "actors/http_fetch.hpp"

#include <memory>

#include <caf/all.hpp>

#include "actors/fetch_job.hpp"
#include "base/percent.hpp"

namespace skyhaul {

namespace {

struct http_fetch_state {
  static inline const char* name = "http_fetch";
};

http_fetch_actor::behavior_type
http_fetch(http_fetch_actor::stateful_pointer<http_fetch_state> self,
           std::shared_ptr<curl_loop> loop, uint64_t global_rate_limit) {
  auto jobs = std::make_shared<fetch_jobs>(std::move(loop), global_rate_limit);
  // The transfers end with the actor, whatever ends the actor; the loop
  // closes their files soon after, and the exiting actor does not wait.
  self->attach_functor([jobs] { jobs->close(); });
  return {
    [=](atom::start, fetch_request& req, fetch_listener_actor& who) {
      jobs->start(std::move(req), std::move(who));
    },
    [=](atom::stop, task_seq seq) { jobs->stop(seq); },
  };
}

/// Keeps the last path segment and drops what could not be a file name.
std::string sanitise(std::string name) {
  auto slash = name.find_last_of("/\\");
  if (slash != std::string::npos)
    name = name.substr(slash + 1);
  std::string out;
  for (auto c : name)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)
      out += c;
  while (!out.empty() && (out.back() == ' ' || out.back() == '.'))
    out.pop_back();
  if (out.empty() || out == "." || out == ".." || out.size() > 255)
    return "download";
  return out;
}

} // namespace

http_fetch_actor spawn_http_fetch(caf::actor_system& sys,
                                  std::shared_ptr<curl_loop> loop,
                                  const settings& cfg) {
  return sys.spawn(http_fetch, std::move(loop), cfg.global_rate_limit);
}

std::string file_name_from(const std::string& cd, const std::string& url) {
  if (!cd.empty()) {
    // RFC 6266: filename*=UTF-8''<pct-encoded> wins over filename=.
    auto star = cd.find("filename*=");
    if (star != std::string::npos) {
      auto v = cd.substr(star + 10);
      v = v.substr(0, v.find(';'));
      auto q = v.find("''");
      if (q != std::string::npos)
        return sanitise(url_decode(v.substr(q + 2), false));
    }
    auto plain = cd.find("filename=");
    if (plain != std::string::npos) {
      auto v = cd.substr(plain + 9);
      if (!v.empty() && v.front() == '"') {
        auto end = v.find('"', 1);
        v = v.substr(1, end == std::string::npos ? std::string::npos : end - 1);
      } else {
        v = v.substr(0, v.find(';'));
      }
      return sanitise(v);
    }
  }
  if (url.empty())
    return "download";
  auto path = url;
  auto scheme = path.find("://");
  if (scheme != std::string::npos) {
    auto slash = path.find('/', scheme + 3);
    path = slash == std::string::npos ? "" : path.substr(slash);
  }
  path = path.substr(0, path.find_first_of("?#"));
  auto last = path.find_last_of('/');
  return sanitise(url_decode(
    last == std::string::npos ? path : path.substr(last + 1), false));
}

} // namespace skyhaul
