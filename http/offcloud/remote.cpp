// Requests that push their files to one of the user's remote accounts:
// create, status, retry. The accounts and the pushes themselves belong to
// the remote-account code; a request here is a task with
// `remote_account` and `remote_folder` set.

#include "http/offcloud/routes.hpp"

#include "http/bridge.hpp"
#include "http/offcloud/create.hpp"
#include "http/offcloud/fields.hpp"
#include "storage/lmdb_env.hpp"

#include <caf/all.hpp>

#include "http/offcloud/remote_accounts.hpp"
#include "storage/push_table.hpp"
#include "storage/remote_account_table.hpp"

namespace skyhaul::http::offcloud {

namespace {

/// Longest folder path.
constexpr size_t max_folder = 1024;

/// Whether account `id` exists and is `u`'s.
bool account_of(const services& svc, const user_record& u, uint64_t id) {
  auto t = svc.db->read();
  auto acc = storage::get_remote_account(t, id);
  return acc && acc->owner == u.id;
}

std::optional<uint64_t> account_id(const std::string& v) {
  if (v.empty() || v.size() > 19
      || v.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  auto id = std::stoull(v);
  return id == 0 ? std::nullopt : std::optional<uint64_t>{id};
}

/// A folder path: no control characters, no `..` segment.
bool plausible_folder(const std::string& f) {
  if (f.size() > max_folder)
    return false;
  for (auto c : f)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return false;
  size_t pos = 0;
  while (pos <= f.size()) {
    auto slash = f.find('/', pos);
    auto seg = f.substr(pos, slash == std::string::npos ? std::string::npos
                                                        : slash - pos);
    if (seg == "..")
      return false;
    if (slash == std::string::npos)
      break;
    pos = slash + 1;
  }
  return true;
}

void create(const svc_ptr& svc, const user_record& u, request& req,
            responder respond) {
  std::string why;
  auto f = read_fields(req, why);
  if (!f)
    return respond(offcloud_error(400, why));
  auto spec = make_spec(*svc, u, *f, kind::remote, respond);
  if (!spec)
    return;
  auto& option = f->get("remoteOptionId");
  auto id = account_id(option);
  if (!id || !account_of(*svc, u, *id))
    return respond(offcloud_error(404, "Remote account not found: " + option));
  auto& folder = f->get("folderId");
  if (!plausible_folder(folder))
    return respond(offcloud_error(400, "Bad folderId"));
  spec->remote_account = *id;
  spec->remote_folder = folder;
  // The seed's remote answer has no download link.
  start_request(svc, u, std::move(*spec), base_url(*svc, req), false,
                std::move(respond));
}

void status(const svc_ptr& svc, const user_record& u, request& req,
            responder respond) {
  std::string why;
  auto f = read_fields(req, why);
  if (!f)
    return respond(offcloud_error(400, why));
  auto& id = f->get("requestId");
  auto seq = parse_request_id(id);
  auto rec = seq ? owned_task(*svc, u, *seq) : std::nullopt;
  if (!rec || rec->spec.remote_account == 0)
    return respond(offcloud_error(404, "Request not found: " + id));
  auto base = base_url(*svc, req);
  with_live(svc, u.id, {std::move(*rec)},
            [svc, base, respond](std::vector<task_status> all) {
              auto& ts = all.front();
              std::vector<push_outcome> pushes;
              {
                auto t = svc->db->read();
                pushes = storage::push_status(t, ts.rec.seq);
              }
              // A remote request is downloaded once every file is on the
              // account: until then a finished download is still at work
              // (pushing), and a push that failed for good fails it.
              if (ts.rec.state == task_state::finished) {
                bool all_done = !pushes.empty() || ts.rec.files.empty();
                for (auto& p : pushes) {
                  if (p.state == push_state::failed) {
                    ts.rec.state = task_state::failed;
                    ts.rec.error_message = "push failed: " + p.error;
                    all_done = false;
                    break;
                  }
                  all_done = all_done && p.state == push_state::done;
                }
                if (!all_done && ts.rec.state == task_state::finished)
                  ts.rec.state = task_state::downloading;
              }
              respond(json_reply([&](json_writer& w) {
                w.StartObject();
                w.Key("status");
                w.StartObject();
                write_request_members(w, *svc, base, ts);
                w.Key("remoteOptionId");
                w.Uint64(ts.rec.spec.remote_account);
                put(w, "folderId", ts.rec.spec.remote_folder);
                // Per file: queued, retrying, done or failed, with bytes.
                write_push_status(w, pushes);
                w.EndObject();
                w.EndObject();
              }));
            });
}

void retry(const svc_ptr& svc, const user_record& u, request& req,
           responder respond) {
  auto rec = owned_param(*svc, u, req, "id", respond);
  if (!rec)
    return;
  if (rec->spec.remote_account == 0)
    return respond(offcloud_error(404, "not a remote request: "
                                           + req.params.at("id")));
  retry_failed(svc, u.id, std::move(*rec), std::move(respond));
}

} // namespace

void mount_remote(router::mounted& m, svc_ptr svc) {
  auto make = authed([svc](const user_record& u, request& req, responder rsp) {
    create(svc, u, req, std::move(rsp));
  });
  m.add("POST", "/api/remote", access::required, make);
  m.add("POST", "/api/remote/download", access::required, make);
  auto stat = authed([svc](const user_record& u, request& req, responder rsp) {
    status(svc, u, req, std::move(rsp));
  });
  m.add("POST", "/api/remote/status", access::required, stat);
  m.add("GET", "/api/remote/status", access::required, stat);
  m.add("GET", "/api/remote/retry/:id", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          retry(svc, u, req, std::move(rsp));
        }));
}

} // namespace skyhaul::http::offcloud
