#include "http/offcloud/common.hpp"

#include "http/offcloud/forwarded.hpp"

#include "base/url_text.hpp"
#include "base/percent.hpp"
#include "http/auth.hpp"
#include "protocol/source.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/task_table.hpp"

#include <caf/sec.hpp>
#include <cstdio>
#include <ctime>

namespace skyhaul::http::offcloud {

handler authed(authed_handler fn) {
  return [fn](const caller_ptr& caller, request& req, responder respond) {
    fn(*caller, req, std::move(respond));
  };
}

namespace {

std::string hex24(uint64_t x) {
  char buf[25];
  std::snprintf(buf, sizeof(buf), "00000000%016llx",
                static_cast<unsigned long long>(x));
  return buf;
}

} // namespace

std::string request_id(task_seq seq) {
  return hex24(seq);
}

std::optional<task_seq> parse_request_id(std::string_view id) {
  if (id.size() == 20)
    return parse_tid(id);
  if (id.size() != 24 || id.substr(0, 8) != "00000000")
    return std::nullopt;
  return parse_tid(std::string{"0000"} + std::string{id.substr(8)});
}

std::string user_key(user_id id) {
  return hex24(id);
}

std::string iso_time(int64_t ms) {
  auto s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

const char* status_word(const task_record& rec) {
  switch (rec.state) {
    case task_state::waiting:
    case task_state::paused:
      return "queued";
    case task_state::downloading:
      return "downloading";
    case task_state::finished:
      return "downloaded";
    case task_state::failed:
      return "error";
    case task_state::cancelled:
      return "canceled";
  }
  return "error";
}

std::string base_url(const services& svc, const request& req) {
  auto host = req.header("host");
  bool plausible = !host.empty() && host.size() <= 255;
  for (auto c : host)
    plausible = plausible
                && (std::isalnum(static_cast<unsigned char>(c)) || c == '.'
                    || c == '-' || c == ':' || c == '[' || c == ']'
                    || c == '_');
  // Links handed out behind a trusted https proxy must be https too, or a
  // browser on the https page would refuse them.
  auto scheme = arrived_over_https(*svc.cfg, req) ? "https://" : "http://";
  return scheme + (plausible ? host : svc.cfg->api);
}

std::string site_of(const task_spec& spec) {
  auto kind = source_of(spec);
  if (kind == source_kind::magnet)
    return "magnet";
  if (kind == source_kind::torrent_file)
    return "torrent";
  auto& url = spec.url;
  auto start = url.find("://");
  if (start == std::string::npos)
    return {};
  auto host = url.substr(start + 3);
  host = host.substr(0, host.find_first_of("/?#"));
  if (auto at = host.rfind('@'); at != std::string::npos)
    host = host.substr(at + 1);
  if (!host.empty() && host.front() != '[')
    host = host.substr(0, host.find(':'));
  return host;
}

std::string original_link(const task_record& rec) {
  if (!rec.spec.url.empty())
    return redact_url(rec.spec.url);
  if (!rec.info_hash.empty())
    return "magnet:?xt=urn:btih:" + rec.info_hash;
  return "upload";
}

std::string display_name(const task_record& rec) {
  if (!rec.torrent_name.empty())
    return rec.torrent_name;
  if (!rec.file_name.empty())
    return rec.file_name;
  if (rec.files.size() == 1)
    return rec.files.front().name;
  if (auto hash = magnet_info_hash(rec.spec.url))
    return *hash;
  auto& url = rec.spec.url;
  auto path = url.substr(0, url.find_first_of("?#"));
  auto slash = path.rfind('/');
  auto last = slash == std::string::npos ? path : path.substr(slash + 1);
  return last.empty() ? std::string{"download"} : url_decode(last, false);
}

std::string file_link(const services& svc, const std::string& base,
                      const std::string& rid, const std::string& file) {
  auto expires = static_cast<int64_t>(std::time(nullptr)) + svc.cfg->link_ttl_s;
  return base + "/cloud/download/" + rid + "/" + url_encode(file, true)
         + "?expires=" + std::to_string(expires)
         + "&signature=" + link_signature(svc, rid, file, expires);
}

std::string request_link(const services& svc, const std::string& base,
                         const task_record& rec) {
  auto rid = request_id(rec.seq);
  if (rec.files.size() == 1)
    return file_link(svc, base, rid, rec.files.front().name);
  return file_link(svc, base, rid, display_name(rec));
}

void write_request_members(json_writer& w, const services& svc,
                           const std::string& base, const task_status& ts) {
  auto& rec = ts.rec;
  put(w, "requestId", request_id(rec.seq));
  put(w, "fileName", display_name(rec));
  put(w, "status", status_word(rec));
  put(w, "originalLink", original_link(rec));
  put(w, "createdOn", iso_time(rec.created_ms));
  put(w, "site", site_of(rec.spec));
  put(w, "server", base.substr(base.find("://") + 3));
  w.Key("fileSize");
  w.Uint64(rec.total_bytes >= 0 ? static_cast<uint64_t>(rec.total_bytes)
                                : rec.done_bytes);
  w.Key("amount");
  w.Uint64(rec.done_bytes);
  w.Key("isDirectory");
  w.Bool(rec.files.size() > 1 || rec.torrent_files > 1);
  put(w, "url", request_link(svc, base, rec));
  if (rec.state == task_state::failed)
    put(w, "errorMessage", rec.error_message.empty() ? std::string{"failed"}
                                                     : rec.error_message);
}

reply json_reply(const std::function<void(json_writer&)>& fill,
                 unsigned status) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  fill(w);
  reply r;
  r.status = status;
  r.body = buf.GetString();
  return r;
}

reply success_reply() {
  return json_reply([](json_writer& w) {
    w.StartObject();
    w.Key("success");
    w.Bool(true);
    w.EndObject();
  });
}

reply actor_error(const caf::error& err) {
  auto code = code_of(err);
  auto msg = message_of(err);
  if (err == caf::sec::request_timeout)
    msg = "internal error: no answer within the time limit";
  return offcloud_error(http_status(code), msg);
}

const plan_config& plan_of(const settings& cfg, const user_record& u) {
  return plan_named(cfg.plans, cfg.default_plan, u.plan);
}

reply not_available(const std::string& what) {
  return json_reply([&](json_writer& w) {
    w.StartObject();
    put(w, "not_available", what);
    w.EndObject();
  });
}

std::optional<task_record> owned_task(const services& svc, const user_record& u,
                                      task_seq seq) {
  std::optional<task_record> rec;
  {
    auto t = svc.db->read();
    rec = storage::get_task(t, seq);
  }
  if (!rec || rec->owner != u.id)
    return std::nullopt;
  return rec;
}

std::optional<task_record> owned_param(const services& svc,
                                       const user_record& u,
                                       const request& req,
                                       const std::string& name,
                                       responder& respond) {
  auto& id = req.params.at(name);
  auto seq = parse_request_id(id);
  auto rec = seq ? owned_task(svc, u, *seq) : std::nullopt;
  if (!rec)
    respond(offcloud_error(404, "Request not found: " + id));
  return rec;
}

} // namespace skyhaul::http::offcloud

#include "http/bridge.hpp"

#include <mutex>

namespace skyhaul::http::offcloud {

void with_live(const svc_ptr& svc, user_id uid, std::vector<task_record> recs,
               std::function<void(std::vector<task_status>)> done) {
  struct gather {
    std::mutex mtx;
    std::vector<task_status> out;
    size_t left = 0;
    std::function<void(std::vector<task_status>)> done;
  };
  auto g = std::make_shared<gather>();
  g->out.resize(recs.size());
  g->done = std::move(done);
  std::vector<size_t> live;
  for (size_t i = 0; i < recs.size(); ++i) {
    if (recs[i].state == task_state::downloading)
      live.push_back(i);
    g->out[i].rec = std::move(recs[i]);
  }
  if (live.empty())
    return g->done(std::move(g->out));
  g->left = live.size();
  // Runs on CAF workers, concurrently: the last answer renders.
  auto one = [g](size_t i, task_status* ts) {
    std::unique_lock<std::mutex> guard{g->mtx};
    auto& mine = g->out[i];
    if (ts != nullptr && is_terminal(ts->rec.state)) {
      // The actor has ended but its final record is not durable yet: the
      // face says so only once it is, so that what a client does next
      // (download, explore) finds the record it was told of.
      mine.rec.done_bytes = ts->rec.done_bytes;
      mine.rec.total_bytes = ts->rec.total_bytes;
    } else if (ts != nullptr) {
      mine = std::move(*ts);
    }
    if (--g->left > 0)
      return;
    guard.unlock();
    g->done(std::move(g->out));
  };
  for (auto i : live) {
    auto seq = g->out[i].rec.seq;
    // A task that ended meanwhile keeps the record read before.
    ask(
        *svc->sys, svc->scheduler,
        [one, i](task_status& ts) { one(i, &ts); },
        [one, i](caf::error&) { one(i, nullptr); }, atom::status_v, uid, seq);
  }
}

void with_current(const svc_ptr& svc, task_record rec,
                  std::function<void(const task_record&)> fn) {
  if (rec.state != task_state::downloading)
    return fn(rec);
  auto owner = rec.owner;
  with_live(svc, owner, {std::move(rec)},
            [fn](std::vector<task_status> live) { fn(live.front().rec); });
}

void retry_failed(const svc_ptr& svc, user_id uid, task_record rec,
                  responder respond) {
  with_current(svc, std::move(rec), [svc, uid, respond](const task_record& cur) {
    if (cur.state != task_state::failed)
      return respond(offcloud_error(
          409, std::string{"only a failed request can be retried; this one "
                           "is "}
                   + status_word(cur)));
    ask(
        *svc->sys, svc->scheduler,
        [respond](caf::ok_atom) { respond(success_reply()); },
        [respond](caf::error& err) { respond(actor_error(err)); },
        atom::resume_v, uid, cur.seq);
  });
}

std::vector<task_record> newest_tasks(const services& svc, user_id uid,
                                      uint64_t page, uint32_t size) {
  auto t = svc.db->read();
  auto counts = storage::get_counters(t, uid);
  uint64_t total = 0;
  for (auto c : counts.counts)
    total += c;
  std::vector<task_record> out;
  auto end = page * size;
  if (end >= total || size == 0)
    return out;
  auto stop = total - end;
  task_query q;
  q.offset = stop > size ? stop - size : 0;
  q.limit = static_cast<uint32_t>(stop - q.offset);
  auto listed = storage::list_tasks(t, uid, q);
  for (auto i = listed.tasks.rbegin(); i != listed.tasks.rend(); ++i)
    out.push_back(std::move(i->rec));
  return out;
}

} // namespace skyhaul::http::offcloud
