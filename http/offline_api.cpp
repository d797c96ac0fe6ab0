#include "http/offline_api.hpp"

#include "http/bridge.hpp"
#include "http/offline_body.hpp"
#include "http/s3_auth.hpp"
#include "http/s3_error.hpp"
#include "http/task_json.hpp"
#include "http/validate.hpp"
#include "storage/bucket_table.hpp"
#include "storage/lmdb_env.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <cstdio>

namespace skyhaul::http {

namespace {

using svc_ptr = std::shared_ptr<const services>;

int64_t now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

/// The seed's task state names (DESIGN.md, "States").
const char* offline_state(task_state s) {
  switch (s) {
  case task_state::waiting:
    return "TASK_UNDO";
  case task_state::downloading:
  case task_state::paused:
    return "TASK_DOING";
  case task_state::finished:
    return "TASK_SUCCESS";
  case task_state::failed:
    return "TASK_FAILED";
  case task_state::cancelled:
    return "TASK_CANCELLED";
  }
  return "TASK_UNDO";
}

/// The Offline API's authentication: S3 signatures, no anonymous access.
auth_outcome authenticate_offline(const services& svc, const request& req) {
  return signed_caller(svc, req, now_s(), [](const request& r) {
    return s3_error(403, "AccessDenied",
                    "the Offline API needs a signed request", r.path);
  });
}

/// The Offline API's error shape: S3's XML, with the seed's codes.
reply offline_error(const request& req, unsigned status,
                    const std::string& msg) {
  const char* code = "InvalidRequest";
  switch (status) {
  case 404:
    code = "NoSuchKey";
    break;
  case 405:
    code = "MethodNotAllowed";
    break;
  case 411:
    code = "MissingContentLength";
    break;
  case 413:
    code = "EntityTooLarge";
    break;
  case 431:
    code = "RequestHeaderSectionTooLarge";
    break;
  default:
    break;
  }
  return s3_error(status == 413 ? 400 : status, code, msg, req.path);
}

/// Creates the task once the bucket is known to accept it.
void create_task(svc_ptr svc, const user_record& user, task_spec spec,
                 request& req, responder respond) {
  auto resource = req.path;
  ask(
      *svc->sys, svc->scheduler,
      [respond](task_seq seq) {
        reply r;
        r.status = 200;
        r.content_type = "application/xml";
        r.headers.emplace_back("x-amz-s2-offline-task-id", format_tid(seq));
        respond(std::move(r));
      },
      [respond, resource](caf::error& err) {
        respond(s3_error_of(err, resource));
      },
      atom::create_v, user.id, std::move(spec));
}

/// `PUT /<bucket>`: submits a task. A bucket that does not exist yet is
/// created for the submitter; someone else's bucket needs a write grant.
void submit(svc_ptr svc, const user_record& user, request& req,
            responder respond) {
  auto& bucket = req.params.at("bucket");
  if (!valid_bucket_name(bucket)) {
    respond(s3_error(400, "InvalidBucketName",
                     "the bucket name breaks S3's naming rules", req.path));
    return;
  }
  task_spec spec;
  bool malformed = false;
  if (auto err = parse_offline_body(req.body, bucket, spec, malformed)) {
    if (malformed)
      respond(s3_error(400, "MalformedJSON", message_of(err), req.path));
    else
      respond(s3_error_of(err, req.path));
    return;
  }
  std::optional<storage::bucket_info> info;
  {
    auto t = svc->db->read();
    info = storage::get_bucket(t, bucket);
  }
  if (info) {
    if (!acl_allows(info->acl, info->owner, &user, acl_permission::write)) {
      respond(s3_error(403, "AccessDenied",
                       "you may not write into this bucket", req.path));
      return;
    }
    create_task(svc, user, std::move(spec), req, std::move(respond));
    return;
  }
  auto resource = req.path;
  auto r = std::make_shared<request>(req);
  ask(
      *svc->sys, svc->store,
      [svc, user, spec, r, respond](bucket_outcome outcome) mutable {
        if (outcome.what == bucket_created::taken) {
          // Another user made it between our read and our write.
          respond(s3_error(409, "BucketAlreadyExists",
                           "the bucket belongs to another user", r->path));
          return;
        }
        create_task(svc, user, std::move(spec), *r, std::move(respond));
      },
      [respond, resource](caf::error& err) {
        respond(s3_error_of(err, resource));
      },
      atom::create_v, bucket, user.id, acl_spec{});
}

/// Resolves `<bucket>/<taskId>` of the path for `user`: admins reach every
/// task (user 0 is the trusted caller), others their own.
std::optional<task_seq> task_of(request& req, responder& respond) {
  auto seq = parse_tid(req.params.at("tid"));
  if (!seq)
    respond(s3_error(404, "NoSuchKey", "no such task", req.path));
  return seq;
}

/// Answers with `status`'s task when it lives in the bucket of the path.
template <class F>
void with_task(svc_ptr svc, const user_record& user, task_seq seq, request& req,
               responder respond, F fn) {
  auto bucket = req.params.at("bucket");
  auto resource = req.path;
  ask(
      *svc->sys, svc->scheduler,
      [bucket, resource, respond, fn](task_status& ts) mutable {
        if (ts.rec.spec.bucket != bucket) {
          respond(s3_error(404, "NoSuchKey", "no such task", resource));
          return;
        }
        fn(ts, respond);
      },
      [respond, resource](caf::error& err) {
        if (code_of(err) == ec::not_found)
          respond(s3_error(404, "NoSuchKey", "no such task", resource));
        else
          respond(s3_error_of(err, resource));
      },
      atom::status_v, user.admin ? user_id{0} : user.id, seq);
}

/// `GET /<bucket>/<taskId>`: `{"State":…,"Percent":"80.00"}`.
void query(svc_ptr svc, const user_record& user, request& req,
           responder respond) {
  auto seq = task_of(req, respond);
  if (!seq)
    return;
  with_task(svc, user, *seq, req, respond,
            [](task_status& ts, responder& respond) {
              reply r;
              r.body = "{\"State\":\"";
              r.body += offline_state(ts.rec.state);
              r.body += '"';
              if (ts.rec.state != task_state::failed
                  && ts.rec.state != task_state::cancelled) {
                char buf[32];
                std::snprintf(buf, sizeof(buf), "%.2f", percent_of(ts.rec));
                r.body += ",\"Percent\":\"";
                r.body += buf;
                r.body += '"';
              }
              r.body += "}";
              respond(std::move(r));
            });
}

/// `DELETE /<bucket>/<taskId>`: cancels the task. The seed keeps this from
/// ordinary users: it needs the `may_cancel_offline` permission or admin.
void cancel(svc_ptr svc, const user_record& user, request& req,
            responder respond) {
  if (!user.admin && !user.may_cancel_offline) {
    respond(s3_error(403, "AccessDenied",
                     "cancelling offline tasks is not enabled for this "
                     "user",
                     req.path));
    return;
  }
  auto seq = task_of(req, respond);
  if (!seq)
    return;
  auto caller = user.admin ? user_id{0} : user.id;
  auto resource = req.path;
  with_task(svc, user, *seq, req, respond,
            [svc, caller, resource](task_status& ts, responder& respond) {
              ask(
                  *svc->sys, svc->scheduler,
                  [respond](caf::ok_atom) {
                    reply r;
                    r.status = 204;
                    r.content_type.clear();
                    respond(std::move(r));
                  },
                  [respond, resource](caf::error& err) {
                    respond(s3_error_of(err, resource));
                  },
                  atom::cancel_v, caller, ts.rec.seq);
            });
}

} // namespace

void mount_offline_api(router& r, svc_ptr svc) {
  face f;
  f.name = "offline";
  f.prefixes = {"/"};
  f.error = offline_error;
  f.authenticate = [svc](const request& req) {
    return authenticate_offline(*svc, req);
  };
  f.auth_reads_body = true;
  auto m = r.mount(std::move(f));
  using fn = void (*)(svc_ptr, const user_record&, request&, responder);
  auto route = [svc](fn call) -> handler {
    return [svc, call](const caller_ptr& user, request& req, responder rsp) {
      call(svc, *user, req, std::move(rsp));
    };
  };
  m.add("PUT", "/:bucket", access::required, route(submit));
  m.add("GET", "/:bucket/:tid", access::required, route(query));
  m.add("DELETE", "/:bucket/:tid", access::required, route(cancel));
}

} // namespace skyhaul::http
