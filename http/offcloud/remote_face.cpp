#include "http/offcloud/remote_face.hpp"

#include "http/auth.hpp"
#include "http/bridge.hpp"
#include "http/json.hpp"
#include "http/offcloud/remote_accounts.hpp"
#include "http/s3_xml.hpp"
#include "http/validate.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/push_table.hpp"
#include "storage/remote_account_table.hpp"
#include "storage/task_table.hpp"

#include <caf/all.hpp>

namespace skyhaul::http {

namespace {

using svc_ptr = std::shared_ptr<const services>;

face remote_face(svc_ptr svc) {
  face f;
  f.name = "remote";
  f.prefixes = {"/api/remote", "/api/remote-account", "/api/account/remote"};
  f.error = [](const request&, unsigned status, const std::string& msg) {
    return offcloud_error(status, msg);
  };
  f.authenticate = [svc](const request& req) {
    auth_outcome out;
    if (auto user = authenticate(*svc, req)) {
      out.user = std::make_shared<const user_record>(std::move(*user));
      return out;
    }
    out.anonymous = api_key_of(req).empty();
    out.refusal = offcloud_error(401, "NOAUTH");
    return out;
  };
  return f;
}

std::string host_of(const std::string& url) {
  auto p = url.find("://");
  if (p == std::string::npos)
    return {};
  auto h = url.substr(p + 3);
  h = h.substr(0, h.find_first_of("/?#"));
  return h.substr(h.find('@') == std::string::npos ? 0 : h.find('@') + 1);
}

/// The Offcloud status word of a remote request: its download, then its
/// pushes.
std::string status_word(const task_record& rec,
                        const std::vector<push_outcome>& pushes) {
  switch (rec.state) {
    case task_state::waiting:
    case task_state::paused:
      return "queued";
    case task_state::downloading:
      return "downloading";
    case task_state::failed:
      return "error";
    case task_state::cancelled:
      return "canceled";
    case task_state::finished:
      break;
  }
  for (auto& p : pushes) {
    if (p.state == push_state::failed)
      return "error";
    if (p.state != push_state::done)
      return "uploading";
  }
  return "downloaded";
}

void create(svc_ptr svc, const user_record& user, request& req,
            responder respond) {
  std::string why;
  auto f = offcloud_fields(req, why);
  if (!f)
    return respond(offcloud_error(400, why));
  task_spec spec;
  spec.url = (*f)["url"];
  if (auto err = check_source_url(spec))
    return respond(offcloud_error(400, "url: " + *err));
  auto& option = (*f)["remoteOptionId"];
  if (option.empty() || option.size() > 19
      || option.find_first_not_of("0123456789") != std::string::npos)
    return respond(offcloud_error(400, "remoteOptionId must name one of "
                                       "your remote accounts"));
  spec.remote_account = std::stoull(option);
  {
    auto t = svc->db->read();
    auto acc = storage::get_remote_account(t, spec.remote_account);
    if (!acc || acc->owner != user.id)
      return respond(offcloud_error(404, "no such remote account"));
  }
  spec.remote_folder = (*f)["folderId"];
  if (spec.remote_folder.size() > 1024
      || spec.remote_folder.find("..") != std::string::npos)
    return respond(offcloud_error(400, "folderId must be a folder path "
                                       "without '..', at most 1024 bytes"));
  spec.bucket = "user-" + std::to_string(user.id);
  spec.origin = skyhaul::face::offcloud_api;
  auto url = spec.url;
  ask(
      *svc->sys, svc->scheduler,
      [respond, url](task_seq seq) {
        rapidjson::StringBuffer buf;
        json_writer w{buf};
        w.StartObject();
        put(w, "requestId", format_tid(seq));
        put(w, "fileName", "");
        put(w, "site", host_of(url));
        put(w, "status", "created");
        put(w, "originalLink", url);
        put(w, "createdOn", iso8601(now_ms()));
        w.EndObject();
        reply r;
        r.body = buf.GetString();
        respond(std::move(r));
      },
      [respond](caf::error& err) {
        respond(offcloud_error(http_status(code_of(err)), message_of(err)));
      },
      atom::create_v, user.id, std::move(spec));
}

void status(const services& svc, const user_record& user, request& req,
            responder respond) {
  std::string why;
  auto f = offcloud_fields(req, why);
  if (!f)
    return respond(offcloud_error(400, why));
  auto seq = parse_tid((*f)["requestId"]);
  std::optional<task_record> rec;
  std::vector<push_outcome> pushes;
  if (seq) {
    auto t = svc.db->read();
    rec = storage::get_task(t, *seq);
    pushes = storage::push_status(t, *seq);
  }
  if (!rec || rec->owner != user.id || rec->spec.remote_account == 0)
    return respond(offcloud_error(404, "no such remote request"));
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("status");
  w.StartObject();
  put(w, "requestId", format_tid(rec->seq));
  put(w, "status", status_word(*rec, pushes));
  put(w, "fileName", rec->file_name);
  w.Key("fileSize");
  w.Int64(rec->total_bytes);
  put(w, "originalLink", rec->spec.url);
  if (!rec->error_message.empty())
    put(w, "errorMessage", rec->error_message);
  write_push_status(w, pushes);
  w.EndObject();
  w.EndObject();
  reply r;
  r.body = buf.GetString();
  respond(std::move(r));
}

} // namespace

void mount_remote_face(router& r, svc_ptr svc) {
  auto m = r.mount(remote_face(svc));
  mount_remote_accounts(m, svc);
  for (auto path : {"/api/remote", "/api/remote/download"})
    m.add("POST", path, access::required,
          [svc](const caller_ptr& u, request& req, responder rsp) {
            create(svc, *u, req, std::move(rsp));
          });
  m.add("POST", "/api/remote/status", access::required,
        [svc](const caller_ptr& u, request& req, responder rsp) {
          status(*svc, *u, req, std::move(rsp));
        });
}

} // namespace skyhaul::http
