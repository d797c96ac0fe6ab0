#include "http/metrics_face.hpp"

#include "base/crypto.hpp"
#include "http/auth.hpp"
#include "http/json.hpp"
#include "http/router.hpp"
#include "protocol/settings.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/rows.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <chrono>
#include <exception>
#include <strings.h>
#include <sys/statvfs.h>

namespace skyhaul::http {

namespace mx = base::metrics;

namespace {

std::string format_double(double v) {
  if (v == std::numeric_limits<double>::infinity())
    return "+Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

/// The token of `Authorization: Bearer <token>`, or "".
std::string bearer_of(const request& req) {
  auto& authz = req.header("authorization");
  if (authz.size() <= 7 || strncasecmp(authz.c_str(), "bearer ", 7) != 0)
    return {};
  auto start = authz.find_first_not_of(' ', 7);
  return start == std::string::npos ? std::string{} : authz.substr(start);
}

/// The metrics token, or an admin's api key. The token is compared by its
/// hash, so the time taken says nothing about the token, its length
/// included.
bool may_scrape(const services& svc, const request& req) {
  auto& token = svc.cfg->metrics_token;
  if (!token.empty()) {
    auto given = bearer_of(req);
    if (!given.empty() && constant_time_equal(sha256(given), sha256(token)))
      return true;
  }
  auto user = authenticate(svc, req);
  return user && user->admin;
}

} // namespace

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void exposition::family(std::string_view name, std::string_view help,
                        std::string_view type) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void exposition::head(std::string_view name, labels ls, std::string_view le) {
  out_ += name;
  if (ls.size() == 0 && le.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  bool first = true;
  for (auto& [k, v] : ls) {
    if (!first)
      out_ += ',';
    first = false;
    out_ += k;
    out_ += "=\"";
    out_ += escape_label_value(v);
    out_ += '"';
  }
  if (!le.empty()) {
    if (!first)
      out_ += ',';
    out_ += "le=\"";
    out_ += le;
    out_ += '"';
  }
  out_ += "} ";
}

void exposition::sample(std::string_view name, labels ls, double value) {
  head(name, ls);
  out_ += format_double(value);
  out_ += '\n';
}

void exposition::sample(std::string_view name, labels ls, uint64_t value) {
  head(name, ls);
  out_ += std::to_string(value);
  out_ += '\n';
}

void exposition::sample(std::string_view name, labels ls, int64_t value) {
  head(name, ls);
  out_ += std::to_string(value);
  out_ += '\n';
}

void exposition::histogram(std::string_view name, labels ls,
                           const mx::histogram& h) {
  std::string bucket{name};
  bucket += "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= h.num_bounds(); ++i) {
    cumulative += h.bucket(i);
    auto le = i < h.num_bounds() ? format_double(h.bound(i)) : "+Inf";
    head(bucket, ls, le);
    out_ += std::to_string(cumulative);
    out_ += '\n';
  }
  // The count is the +Inf bucket, so the two agree in every scrape.
  sample(std::string{name} + "_sum", ls, h.sum_seconds());
  sample(std::string{name} + "_count", ls, cumulative);
}

std::string render_metrics(const mx::registry& reg,
                           const scrape_figures& extra) {
  exposition e;
  e.family("skyhaul_tasks", "Tasks of every user, by state.", "gauge");
  for (size_t i = 0; i < num_task_states; ++i)
    e.sample("skyhaul_tasks", {{"state", to_string(static_cast<task_state>(i))}},
             extra.tasks[i]);
  constexpr mx::transfer kinds[] = {mx::transfer::http, mx::transfer::torrent,
                                    mx::transfer::callback, mx::transfer::upload,
                                    mx::transfer::push};
  e.family("skyhaul_active_transfers",
           "Transfers in progress, by kind: http and torrent downloads "
           "(live tasks), callback POSTs, S3 uploads (replicas and S3 "
           "accounts), pushes to FTP, SFTP and WebDAV accounts.",
           "gauge");
  for (auto k : kinds)
    e.sample("skyhaul_active_transfers", {{"kind", mx::to_string(k)}},
             std::max<int64_t>(0, reg.active(k)));
  e.family("skyhaul_download_bytes_total",
           "Payload bytes received, by kind.", "counter");
  for (auto k : {mx::transfer::http, mx::transfer::torrent})
    e.sample("skyhaul_download_bytes_total", {{"kind", mx::to_string(k)}},
             reg.downloaded(k));
  e.family("skyhaul_upload_bytes_total",
           "Payload bytes sent, by kind: upload (S3 protocol), push (FTP, "
           "SFTP, WebDAV), torrent (seeded to peers).",
           "counter");
  for (auto k : {mx::transfer::upload, mx::transfer::push,
                 mx::transfer::torrent})
    e.sample("skyhaul_upload_bytes_total", {{"kind", mx::to_string(k)}},
             reg.uploaded(k));
  e.family("skyhaul_http_requests_total",
           "Requests answered by the router, by face and status code.",
           "counter");
  auto faces = reg.num_faces();
  for (size_t f = 0; f < faces; ++f) {
    auto& fig = reg.face(f);
    auto name = reg.face_name(f);
    for (size_t c = 0; c < mx::num_codes; ++c)
      if (auto n = fig.by_code[c].load(std::memory_order_relaxed); n > 0) {
        auto code = std::to_string(mx::first_code + c);
        e.sample("skyhaul_http_requests_total",
                 {{"face", name}, {"code", code}}, n);
      }
  }
  e.family("skyhaul_http_request_duration_seconds",
           "Time from routing a request to handing its reply to the "
           "connection, by face.",
           "histogram");
  for (size_t f = 0; f < faces; ++f)
    e.histogram("skyhaul_http_request_duration_seconds",
                {{"face", reg.face_name(f)}}, reg.face(f).duration);
  e.family("skyhaul_store_commit_duration_seconds",
           "Time of one group commit of the store (one durable LMDB "
           "transaction).",
           "histogram");
  e.histogram("skyhaul_store_commit_duration_seconds", {},
              reg.store_commit());
  e.family("skyhaul_callback_deliveries_total",
           "Ended callback attempts, by outcome: delivered, retry (due "
           "again after a backoff), failed (given up).",
           "counter");
  for (auto d : {mx::delivery::delivered, mx::delivery::retry,
                 mx::delivery::failed})
    e.sample("skyhaul_callback_deliveries_total",
             {{"outcome", mx::to_string(d)}}, reg.deliveries(d));
  if (extra.disk_free) {
    e.family("skyhaul_disk_free_bytes",
             "Bytes available to the service on the data directory's "
             "filesystem.",
             "gauge");
    e.sample("skyhaul_disk_free_bytes", {}, *extra.disk_free);
  }
  return e.text();
}

scrape_figures read_figures(const services& svc) {
  scrape_figures out;
  {
    auto t = svc.db->read();
    t.scan(storage::table::counters, {},
           [&](std::string_view key, std::string_view value) {
             // owner(8) state(1) -> count_row
             if (key.size() == 9) {
               auto s = static_cast<uint8_t>(key[8]);
               if (s < num_task_states)
                 out.tasks[s] += storage::decode_value<storage::count_row>(
                                     storage::table::counters, key, value)
                                     .count;
             }
             return true;
           });
  }
  struct statvfs fs {};
  if (::statvfs(svc.cfg->data_dir.c_str(), &fs) == 0)
    out.disk_free = static_cast<uint64_t>(fs.f_bavail)
                    * static_cast<uint64_t>(fs.f_frsize);
  return out;
}

responder counted(const std::string& face, responder respond) {
  auto slot = mx::global().face_slot(face);
  auto start = std::chrono::steady_clock::now();
  return [slot, start, respond = std::move(respond)](reply r) {
    mx::global().http_request(slot, r.status,
                              std::chrono::steady_clock::now() - start);
    respond(std::move(r));
  };
}

void mount_metrics(router& r, std::shared_ptr<const services> svc) {
  face f;
  f.name = "metrics";
  f.prefixes = {"/metrics"};
  f.error = [](const request&, unsigned status, const std::string& msg) {
    return json_error(status, msg);
  };
  auto m = r.mount(std::move(f));
  // Open to the router: the token is not a user, so the handler checks
  // the token or the admin's key itself.
  m.add("GET", "/metrics", access::open,
        [svc](const caller_ptr&, request& req, responder respond) {
          if (!may_scrape(*svc, req)) {
            auto refusal = json_error(
                401, "a metrics token or an admin's api key is required");
            refusal.headers.emplace_back("WWW-Authenticate",
                                         "Bearer realm=\"metrics\"");
            respond(std::move(refusal));
            return;
          }
          reply out;
          out.content_type = "text/plain; version=0.0.4; charset=utf-8";
          out.body = render_metrics(mx::global(), read_figures(*svc));
          respond(std::move(out));
        });
}

} // namespace skyhaul::http
