// Cloud and instant requests: create, status (one or many), history,
// retry, remove.

#include "http/offcloud/routes.hpp"

#include "http/bridge.hpp"
#include "http/offcloud/create.hpp"
#include "http/offcloud/fields.hpp"

#include <caf/all.hpp>
#include <mutex>
#include <set>

namespace skyhaul::http::offcloud {

namespace {

/// Most request ids one status or remove call may name.
constexpr size_t max_ids = 1000;
/// Requests per history page.
constexpr uint32_t history_page = 100;

void create(const svc_ptr& svc, const user_record& u, request& req,
            responder respond, kind k) {
  std::string why;
  auto f = read_fields(req, why);
  if (!f)
    return respond(offcloud_error(400, why));
  auto spec = make_spec(*svc, u, *f, k, respond);
  if (!spec)
    return;
  start_request(svc, u, std::move(*spec), base_url(*svc, req), true,
                std::move(respond));
}

/// The ids a call names: `requestIds` (any array spelling) or `requestId`.
std::vector<std::string> named_ids(const fields& f, bool& many) {
  many = f.has("requestIds");
  if (many)
    return f.all("requestIds");
  auto& one = f.get("requestId");
  return one.empty() ? std::vector<std::string>{}
                     : std::vector<std::string>{one};
}

void status(const svc_ptr& svc, const user_record& u, request& req,
            responder respond) {
  std::string why;
  auto f = read_fields(req, why);
  if (!f)
    return respond(offcloud_error(400, why));
  bool many = false;
  auto ids = named_ids(*f, many);
  if (ids.empty())
    return respond(offcloud_error(400, "requestId is required"));
  if (ids.size() > max_ids)
    return respond(offcloud_error(413, "at most 1000 requestIds per call"));
  std::vector<task_record> recs;
  std::set<task_seq> seen;
  for (auto& id : ids) {
    auto seq = parse_request_id(id);
    auto rec = seq ? owned_task(*svc, u, *seq) : std::nullopt;
    if (!rec) {
      // One unknown id sinks a single status; a list answers the rest.
      if (!many)
        return respond(offcloud_error(404, "Request not found: " + id));
      continue;
    }
    if (seen.insert(*seq).second)
      recs.push_back(std::move(*rec));
  }
  auto base = base_url(*svc, req);
  with_live(svc, u.id, std::move(recs),
            [svc, base, many, respond](std::vector<task_status> all) {
              respond(json_reply([&](json_writer& w) {
                w.StartObject();
                if (many) {
                  w.Key("requests");
                  w.StartArray();
                  for (auto& ts : all) {
                    w.StartObject();
                    write_request_members(w, *svc, base, ts);
                    w.EndObject();
                  }
                  w.EndArray();
                } else {
                  w.Key("status");
                  w.StartObject();
                  write_request_members(w, *svc, base, all.front());
                  w.EndObject();
                }
                w.EndObject();
              }));
            });
}

void history(const svc_ptr& svc, const user_record& u, request& req,
             responder respond) {
  uint64_t page = 0;
  auto& p = req.arg("page");
  if (!p.empty()) {
    if (p.size() > 9 || p.find_first_not_of("0123456789") != std::string::npos)
      return respond(offcloud_error(400, "page must be a number"));
    page = std::stoull(p);
  }
  auto recs = newest_tasks(*svc, u.id, page, history_page);
  auto base = base_url(*svc, req);
  with_live(svc, u.id, std::move(recs),
            [svc, base, respond](std::vector<task_status> all) {
              respond(json_reply([&](json_writer& w) {
                w.StartArray();
                for (auto& ts : all) {
                  w.StartObject();
                  write_request_members(w, *svc, base, ts);
                  w.EndObject();
                }
                w.EndArray();
              }));
            });
}

void retry(const svc_ptr& svc, const user_record& u, request& req,
           responder respond) {
  auto rec = owned_param(*svc, u, req, "id", respond);
  if (!rec)
    return;
  retry_failed(svc, u.id, std::move(*rec), std::move(respond));
}

/// Removes every named request with its objects; one failure answers an
/// error naming it, after the others went.
void remove(const svc_ptr& svc, const user_record& u,
            std::vector<std::string> ids, responder respond) {
  if (ids.empty())
    return respond(offcloud_error(400, "requests must name a request"));
  if (ids.size() > max_ids)
    return respond(offcloud_error(413, "at most 1000 requests per call"));
  struct collector {
    std::mutex mtx;
    size_t left = 0;
    std::string failed;
  };
  auto col = std::make_shared<collector>();
  col->left = ids.size();
  auto one = [col, respond](const std::string& id, std::string err) {
    std::lock_guard<std::mutex> guard{col->mtx};
    if (!err.empty() && col->failed.empty())
      col->failed = id + ": " + err;
    if (--col->left > 0)
      return;
    respond(col->failed.empty() ? success_reply()
                                : offcloud_error(404, col->failed));
  };
  for (auto& id : ids) {
    auto seq = parse_request_id(id);
    if (!seq || !owned_task(*svc, u, *seq)) {
      one(id, "Request not found");
      continue;
    }
    ask(
        *svc->sys, svc->scheduler, [one, id](caf::ok_atom) { one(id, {}); },
        [one, id](caf::error& e) { one(id, message_of(e)); }, atom::remove_v,
        u.id, *seq, true);
  }
}

} // namespace

void mount_cloud(router::mounted& m, svc_ptr svc) {
  auto create_as = [svc](kind k) {
    return authed([svc, k](const user_record& u, request& req, responder rsp) {
      create(svc, u, req, std::move(rsp), k);
    });
  };
  for (auto path : {"/api/cloud", "/api/cloud/download"})
    m.add("POST", path, access::required, create_as(kind::cloud));
  for (auto path : {"/api/instant", "/api/instant/download"})
    m.add("POST", path, access::required, create_as(kind::instant));
  auto stat = authed([svc](const user_record& u, request& req, responder rsp) {
    status(svc, u, req, std::move(rsp));
  });
  for (auto path : {"/api/cloud/status", "/api/instant/status"}) {
    m.add("POST", path, access::required, stat);
    m.add("GET", path, access::required, stat);
  }
  auto hist = authed([svc](const user_record& u, request& req, responder rsp) {
    history(svc, u, req, std::move(rsp));
  });
  for (auto path : {"/api/cloud/history", "/api/instant/history"}) {
    m.add("GET", path, access::required, hist);
    m.add("POST", path, access::required, hist);
  }
  m.add("GET", "/api/cloud/retry/:id", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          retry(svc, u, req, std::move(rsp));
        }));
  auto remove_one
      = authed([svc](const user_record& u, request& req, responder rsp) {
          remove(svc, u, {req.params.at("id")}, std::move(rsp));
        });
  m.add("GET", "/cloud/remove/:id", access::required, remove_one);
  m.add("GET", "/api/cloud/remove/:id", access::required, remove_one);
  m.add("POST", "/api/cloud/remove", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          std::string why;
          auto f = read_fields(req, why);
          if (!f)
            return rsp(offcloud_error(400, why));
          auto ids = f->all("requests");
          if (ids.empty() && f->has("requestId"))
            ids = f->all("requestId");
          remove(svc, u, std::move(ids), std::move(rsp));
        }));
}

} // namespace skyhaul::http::offcloud
