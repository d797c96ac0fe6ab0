#include "http/download.hpp"

#include "base/http_date.hpp"

#include <ctime>
#include <filesystem>

#include <caf/all.hpp>

#include "http/auth.hpp"
#include "http/bridge.hpp"
#include "http/json.hpp"
#include "storage/blob_store.hpp"

namespace skyhaul::http {

std::optional<std::pair<uint64_t, uint64_t>>
parse_range(const std::string& h, uint64_t size, bool& unsatisfiable) {
  unsatisfiable = false;
  if (h.rfind("bytes=", 0) != 0 || h.find(',') != std::string::npos)
    return std::nullopt;
  auto spec = h.substr(6);
  auto dash = spec.find('-');
  if (dash == std::string::npos)
    return std::nullopt;
  auto a = spec.substr(0, dash);
  auto b = spec.substr(dash + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 19
           && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (a.empty()) { // suffix: the last n bytes
    if (!digits(b))
      return std::nullopt;
    uint64_t n = std::stoull(b);
    if (n == 0 || size == 0) {
      unsatisfiable = true;
      return std::nullopt;
    }
    n = std::min(n, size);
    return std::pair{size - n, size - 1};
  }
  if (!digits(a) || (!b.empty() && !digits(b)))
    return std::nullopt;
  uint64_t first = std::stoull(a);
  uint64_t last = b.empty() ? size - 1 : std::stoull(b);
  if (!b.empty() && last < first)
    return std::nullopt;
  if (first >= size) {
    unsatisfiable = true;
    return std::nullopt;
  }
  return std::pair{first, std::min(last, size - 1)};
}

bool apply_range(reply& r, const std::string& range, uint64_t size) {
  if (range.empty())
    return true;
  bool unsatisfiable = false;
  auto rg = parse_range(range, size, unsatisfiable);
  if (!rg)
    return !unsatisfiable;
  r.status = 206;
  r.file_offset = rg->first;
  r.file_length = rg->second - rg->first + 1;
  r.headers.emplace_back("Content-Range",
                         "bytes " + std::to_string(rg->first) + "-"
                           + std::to_string(rg->second) + "/"
                           + std::to_string(size));
  return true;
}

void unsatisfiable_range(reply& bad, uint64_t size) {
  bad.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
}

bool etag_matches(const std::string& inm, const std::string& etag) {
  size_t pos = 0;
  while (pos < inm.size()) {
    auto comma = inm.find(',', pos);
    auto item = inm.substr(pos, comma == std::string::npos ? std::string::npos
                                                           : comma - pos);
    auto first = item.find_first_not_of(" \t");
    auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) {
      item = item.substr(first, last - first + 1);
      // If-None-Match uses the weak comparison (RFC 7232, 3.2).
      if (item.rfind("W/", 0) == 0)
        item = item.substr(2);
      if (item == "*" || item == etag)
        return true;
    }
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return false;
}

reply file_reply(const services& svc, const file_record& f,
                 const std::string& range, const std::string& inm,
                 const error_fn& error) {
  auto path = svc.blobs->blob_path(f.blob);
  std::error_code err;
  auto size = std::filesystem::file_size(path, err);
  if (err)
    return error(404, "the file is gone: " + f.name);
  reply r;
  auto etag = "\"" + (f.md5.empty() ? f.blob : f.md5) + "\"";
  r.content_type = f.content_type.empty() ? "application/octet-stream"
                                          : f.content_type;
  r.headers = {{"ETag", etag},
               {"Last-Modified", format_http_date(f.last_modified_ms / 1000)},
               {"Accept-Ranges", "bytes"},
               // A downloaded page opened from here must not run as the
               // web UI's origin (the api listener's): no sniffing, and a
               // sandbox with an origin of its own and no scripts.
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Security-Policy", "sandbox"}};
  if (!inm.empty() && etag_matches(inm, etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.file_path = path;
  r.file_offset = 0;
  r.file_length = size;
  if (!apply_range(r, range, size)) {
    reply bad = error(416, "the range is past the end of the file");
    unsatisfiable_range(bad, size);
    return bad;
  }
  return r;
}

void download(std::shared_ptr<const services> svc_ptr, request& req,
              responder respond) {
  auto& svc = *svc_ptr;
  auto tid = req.params.at("tid");
  auto file = req.params.at("file");
  auto seq = parse_tid(tid);
  if (!seq) {
    respond(json_error(404, "no such task: " + tid));
    return;
  }
  user_id uid = 0; // a valid signature stands for the trusted caller
  if (req.has_arg("signature")) {
    if (!verify_link(svc, tid, file, req.arg("expires"),
                     req.arg("signature"))) {
      respond(json_error(403, "the link is invalid or has expired"));
      return;
    }
  } else {
    auto user = authenticate(svc, req);
    if (!user) {
      respond(json_error(401, "missing or invalid api key"));
      return;
    }
    uid = user->id;
  }
  auto range = req.header("range");
  auto inm = req.header("if-none-match");
  ask(
    *svc.sys, svc.scheduler,
    [=](task_status& ts) {
      // By name first: a key may equal another file's name.
      const file_record* f = nullptr;
      for (auto& x : ts.rec.files)
        if (f == nullptr && x.name == file)
          f = &x;
      for (auto& x : ts.rec.files)
        if (f == nullptr && x.key == file)
          f = &x;
      if (f == nullptr) {
        respond(json_error(404, "no such file in task " + tid + ": " + file));
        return;
      }
      respond(file_reply(*svc_ptr, *f, range, inm,
                         [](unsigned status, const std::string& msg) {
                           return json_error(status, msg);
                         }));
    },
    [respond](caf::error& err) { respond(json_error(err)); },
    atom::status_v, uid, *seq);
}

} // namespace skyhaul::http
