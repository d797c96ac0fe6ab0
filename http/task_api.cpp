#include "http/task_api.hpp"

#include "http/auth.hpp"
#include "http/bridge.hpp"
#include "http/download.hpp"
#include "http/json.hpp"
#include "http/task_batch.hpp"
#include "http/task_body.hpp"
#include "http/task_json.hpp"
#include "protocol/settings.hpp"
#include "protocol/source.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/outbox_table.hpp"
#include "storage/rules/quota.hpp"
#include "storage/task_table.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <rapidjson/document.h>
#include <set>

namespace skyhaul::http {

namespace {

using svc_ptr = std::shared_ptr<const services>;

using authed_handler
    = std::function<void(const user_record&, request&, responder)>;

/// A handler of an `access::required` route, which always has its caller.
handler authed(authed_handler fn) {
  return [fn](const caller_ptr& caller, request& req, responder respond) {
    fn(*caller, req, std::move(respond));
  };
}

/// The Task API's shape and authentication: JSON errors, api keys.
face task_face(svc_ptr svc) {
  face f;
  f.name = "task";
  f.prefixes = {"/task", "/config", "/healthz", "/download"};
  f.error = [](const request&, unsigned status, const std::string& msg) {
    return json_error(status, msg);
  };
  f.authenticate = [svc](const request& req) {
    return task_api_auth(*svc, req);
  };
  return f;
}

/// The tid path parameter; answers 404 itself when it is malformed.
std::optional<task_seq> tid_param(const request& req, responder& respond) {
  auto seq = parse_tid(req.params.at("tid"));
  if (!seq)
    respond(json_error(404, "no such task: " + req.params.at("tid")));
  return seq;
}

bool flag(const request& req, const std::string& name, bool fallback) {
  if (!req.has_arg(name))
    return fallback;
  auto& v = req.arg(name);
  return v == "true" || v == "1" || v.empty();
}

bool excerpt(const request& req, bool fallback) {
  if (req.has_arg("exerpt"))
    return flag(req, "exerpt", fallback);
  return flag(req, "excerpt", fallback);
}

auto on_error(responder respond) {
  return [respond](caf::error& err) { respond(json_error(err)); };
}

auto ok_reply(responder respond) {
  return
      [respond](caf::ok_atom) { respond(json_success([](json_writer&) {})); };
}

/// The counters of each state, the seed's "invalid" (failed) and "all".
void write_counters(json_writer& w, const state_counters& c) {
  w.StartObject();
  uint64_t all = 0;
  for (size_t i = 0; i < num_task_states; ++i) {
    w.Key(to_string(static_cast<task_state>(i)));
    w.Uint64(c.counts[i]);
    all += c.counts[i];
  }
  w.Key("invalid");
  w.Uint64(c.counts[static_cast<size_t>(task_state::failed)]);
  w.Key("all");
  w.Uint64(all);
  w.EndObject();
}

void list(const services& svc, const user_record& user, request& req,
          responder respond) {
  task_query q;
  if (req.has_arg("state") && req.arg("state") != "all") {
    task_state s;
    if (!from_string(req.arg("state"), s)) {
      respond(json_error(400, "unknown state: " + req.arg("state")));
      return;
    }
    q.state = static_cast<uint8_t>(s);
  }
  auto number = [&](const char* name, uint64_t lo, uint64_t hi, uint64_t& out) {
    if (!req.has_arg(name))
      return true;
    auto& v = req.arg(name);
    if (v.empty() || v.size() > 12
        || v.find_first_not_of("0123456789") != std::string::npos)
      return false;
    out = std::stoull(v);
    return out >= lo && out <= hi;
  };
  uint64_t limit = 100;
  uint64_t offset = 0;
  if (!number("limit", 1, 1000, limit)
      || !number("offset", 0, 1ull << 40, offset)) {
    respond(json_error(400, "limit must be 1-1000 and offset a number"));
    return;
  }
  q.limit = static_cast<uint32_t>(limit);
  q.offset = offset;
  if (req.has_arg("cursor") && !req.arg("cursor").empty()) {
    auto seq = parse_tid(req.arg("cursor"));
    if (!seq) {
      respond(json_error(400, "bad cursor: " + req.arg("cursor")));
      return;
    }
    q.after = *seq;
  }
  auto short_form = excerpt(req, true);
  // The seed's list carries the state counters beside the page.
  auto sys = svc.sys;
  auto sched = svc.scheduler;
  auto uid = user.id;
  ask(
      *sys, sched,
      [respond, short_form, sys, sched, uid](task_page& page) {
        auto shared = std::make_shared<task_page>(std::move(page));
        ask(
            *sys, sched,
            [respond, short_form, shared](state_counters& c) {
              respond(json_success([&](json_writer& w) {
                w.Key("detail");
                w.StartArray();
                for (auto& ts : shared->tasks)
                  write_task(w, ts, short_form);
                w.EndArray();
                w.Key("state_counter");
                write_counters(w, c);
                put(w, "next", shared->next == 0 ? std::string{}
                                                 : format_tid(shared->next));
              }));
            },
            on_error(respond), atom::counters_v, uid);
      },
      on_error(respond), atom::list_v, user.id, q);
}

void counters(const services& svc, const user_record& user, responder rsp) {
  ask(
      *svc.sys, svc.scheduler,
      [rsp](state_counters& c) {
        rsp(json_success([&](json_writer& w) {
          w.Key("detail");
          write_counters(w, c);
        }));
      },
      on_error(rsp), atom::counters_v, user.id);
}

void status(const services& svc, const user_record& u, task_seq seq,
            bool short_form, responder rsp) {
  auto render = [rsp, short_form](const task_status& ts) {
    rsp(json_success([&](json_writer& w) {
      w.Key("detail");
      write_task(w, ts, short_form);
    }));
  };
  // Only a downloading task has figures newer than its record; any other
  // state is answered from LMDB, where every acknowledged change already
  // is, without a trip through the actors.
  std::optional<task_record> rec;
  {
    auto t = svc.db->read();
    rec = storage::get_task(t, seq);
  }
  if (!rec || rec->owner != u.id) {
    rsp(json_error(404, "no such task: " + format_tid(seq)));
    return;
  }
  // A torrent task that has not ended shows its files (and which are
  // wanted) from the metadata it keeps, read by the scheduler.
  auto files_kept = !short_form && is_torrent(source_of(rec->spec))
                    && rec->state != task_state::finished
                    && rec->state != task_state::cancelled
                    && (!rec->info_hash.empty() || !rec->spec.torrent.empty());
  if (rec->state != task_state::downloading && !files_kept) {
    task_status ts;
    ts.rec = std::move(*rec);
    render(ts);
    return;
  }
  ask(
      *svc.sys, svc.scheduler, [render](task_status& ts) { render(ts); },
      on_error(rsp), atom::status_v, u.id, seq);
}

/// Loads a task of `u`; answers 404 itself for an unknown or foreign one.
std::optional<task_record> owned_task(const services& svc, const user_record& u,
                                      task_seq seq, responder& rsp) {
  std::optional<task_record> rec;
  {
    auto t = svc.db->read();
    rec = storage::get_task(t, seq);
  }
  if (!rec || rec->owner != u.id) {
    rsp(json_error(404, "no such task: " + format_tid(seq)));
    return std::nullopt;
  }
  return rec;
}

void callbacks(const services& svc, const user_record& u, task_seq seq,
               responder rsp) {
  if (!owned_task(svc, u, seq, rsp))
    return;
  std::vector<storage::callback_log> log;
  {
    auto t = svc.db->read();
    log = storage::delivery_log(t, seq);
  }
  rsp(json_success([&](json_writer& w) {
    w.Key("callbacks");
    w.StartArray();
    for (auto& cb : log) {
      w.StartObject();
      put(w, "event_id", format_event_id(cb.event.id));
      put(w, "kind", to_string(cb.event.kind));
      put(w, "url", cb.event.url);
      put(w, "state", to_string(cb.event.state));
      w.Key("attempts");
      w.StartArray();
      for (auto& a : cb.attempts) {
        w.StartObject();
        w.Key("attempt");
        w.Uint(a.attempt);
        w.Key("time_ms");
        w.Int64(a.time_ms);
        w.Key("http_status");
        w.Uint(a.http_status);
        put(w, "error", a.error);
        w.Key("duration_ms");
        w.Int64(a.duration_ms);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  }));
}

/// `PUT /task/tid/<tid>/files`: the wanted files of a torrent task, chosen
/// anew once its metadata is known. Indices name entries of the status's
/// `torrent.files`, so the edge reads the status first; whether a name
/// matches a file is the daemon's question.
void choose_files(const services& svc, const user_record& u, task_seq seq,
                  const request& req, responder rsp) {
  auto choice = std::make_shared<file_choice>();
  if (auto err = parse_file_choice(req.body, *choice))
    return rsp(json_error(err));
  auto sys = svc.sys;
  auto sched = svc.scheduler;
  auto uid = u.id;
  auto render = [rsp](task_status& ts) {
    rsp(json_success([&](json_writer& w) {
      w.Key("detail");
      write_task(w, ts, false);
    }));
  };
  ask(
    *sys, sched,
    [=](task_status& ts) {
      auto& r = ts.rec;
      if (!is_torrent(source_of(r.spec)))
        return rsp(json_error(400, "files can be chosen for torrent tasks "
                                   "only"));
      if (r.state == task_state::finished || r.state == task_state::cancelled)
        return rsp(json_error(409, std::string{"cannot choose the files of a "
                                               "task that is "}
                                     + to_string(r.state)));
      auto names = choice->names;
      if (!choice->indices.empty() && ts.bt.files.empty())
        return rsp(json_error(409, "the torrent's metadata is not known yet"));
      for (auto i : choice->indices) {
        if (i >= ts.bt.files.size())
          return rsp(json_error(
            400, "no file with index " + std::to_string(i) + ": the torrent has "
                   + std::to_string(ts.bt.files.size()) + " files"));
        auto& path = ts.bt.files[i].path;
        if (std::find(names.begin(), names.end(), path) == names.end())
          names.push_back(path);
      }
      ask(*sys, sched, render, on_error(rsp), caf::put_atom_v, uid, seq,
          std::move(names));
    },
    on_error(rsp), atom::status_v, uid, seq);
}

} // namespace

auth_outcome task_api_auth(const services& svc, const request& req) {
  auth_outcome out;
  if (auto user = authenticate(svc, req)) {
    out.user = std::make_shared<const user_record>(std::move(*user));
    return out;
  }
  out.anonymous = api_key_of(req).empty();
  out.refusal = json_error(401, "missing or invalid api key");
  return out;
}

void mount_task_api(router& r, svc_ptr svc) {
  auto m = r.mount(task_face(svc));
  auto* sys = svc->sys;
  auto sched = svc->scheduler;
  m.add("GET", "/healthz", access::open,
        [](const caller_ptr&, request&, responder respond) {
          respond(json_success([](json_writer&) {}));
        });
  // An uploaded torrent, base64 or multipart, may exceed the usual limit.
  auto upload = task_upload_rule(svc->cfg->bt_max_torrent_size);
  // The upload limit lets a body in as a possible upload; one that carries
  // none has the limit of a body without, by the same rule.
  auto plain_limit = body_limit(upload, r.listener_body_limit(), true, false);
  m.add(
    "POST", "/task", access::required,
    authed([=](const user_record& u, request& req, responder rsp) {
      task_spec spec;
      if (auto err = parse_task_request(req.body, req.header("content-type"),
                                        u.id, svc->cfg->bt_max_torrent_size,
                                        spec, plain_limit)) {
        rsp(json_error(err));
        return;
      }
      // The plan's storage quota, by the rule every face applies; a plan
      // without one needs no read.
      auto& plan = plan_named(svc->cfg->plans, svc->cfg->default_plan, u.plan);
      if (plan.storage_quota != 0) {
        auto t = svc->db->read();
        if (auto why = storage::rules::refuse_new(t, plan, u.id))
          return rsp(json_error(403, *why));
      }
      ask(
        *sys, sched,
        [rsp](task_seq seq) {
          rsp(json_success(
            [&](json_writer& w) { put(w, "tid", format_tid(seq)); }));
        },
        on_error(rsp), atom::create_v, u.id, std::move(spec));
    }),
    upload);
  m.add("PUT", "/task/tid/:tid", access::required,
        authed([=](const user_record& u, request& req, responder rsp) {
          auto seq = tid_param(req, rsp);
          if (!seq)
            return;
          auto& act = req.arg("act");
          if (act == "pause")
            ask(*sys, sched, ok_reply(rsp), on_error(rsp), atom::pause_v, u.id,
                *seq);
          else if (act == "resume")
            ask(*sys, sched, ok_reply(rsp), on_error(rsp), atom::resume_v, u.id,
                *seq);
          else
            rsp(json_error(400, "act must be pause or resume"));
        }));
  m.add("PUT", "/task/tid/:tid/files", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          if (auto seq = tid_param(req, rsp))
            choose_files(*svc, u, *seq, req, std::move(rsp));
        }));
  m.add("DELETE", "/task/tid/:tid", access::required,
        authed([=](const user_record& u, request& req, responder rsp) {
          auto seq = tid_param(req, rsp);
          if (!seq)
            return;
          ask(*sys, sched, ok_reply(rsp), on_error(rsp), atom::remove_v, u.id,
              *seq, flag(req, "del_file", false));
        }));
  m.add("GET", "/task/tid/:tid/status", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          if (auto seq = tid_param(req, rsp))
            status(*svc, u, *seq, excerpt(req, false), std::move(rsp));
        }));
  m.add("GET", "/task/tid/:tid/info", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          auto seq = tid_param(req, rsp);
          if (!seq)
            return;
          ask(
              *svc->sys, svc->scheduler,
              [rsp, svc](task_status& ts) {
                rsp(json_success([&](json_writer& w) {
                  w.Key("detail");
                  write_info(w, *svc, ts.rec);
                }));
              },
              on_error(rsp), atom::status_v, u.id, *seq);
        }));
  m.add("GET", "/task/tid/:tid/callbacks", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          if (auto seq = tid_param(req, rsp))
            callbacks(*svc, u, *seq, std::move(rsp));
        }));
  m.add("POST", "/task/tid/:tid/callbacks/redeliver", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          auto seq = tid_param(req, rsp);
          if (!seq || !owned_task(*svc, u, *seq, rsp))
            return;
          // Same event id as before; 409 when the task never had a callback.
          ask(*svc->sys, svc->store, ok_reply(rsp), on_error(rsp),
              atom::redeliver_v, *seq);
        }));
  // Before the other batch operations: the larger body is for this route
  // only, and only an authenticated caller gets it.
  m.add("POST", "/task/batch/create", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          batch_create(*svc, u, req, std::move(rsp));
        }),
        task_batch_rule());
  m.add("POST", "/task/batch/:op", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          batch_operation(*svc, u, req, std::move(rsp));
        }));
  m.add("GET", "/task/list", access::required,
        authed([svc](const user_record& u, request& req, responder rsp) {
          list(*svc, u, req, std::move(rsp));
        }));
  auto count
      = authed([svc](const user_record& u, request&, responder rsp) {
          counters(*svc, u, std::move(rsp));
        });
  // The seed's spelling first; the correct one for everyone else.
  m.add("GET", "/task/state_coutner", access::required, count);
  m.add("GET", "/task/state_counter", access::required, count);
  m.add("GET", "/config", access::required,
        authed([svc](const user_record&, request&, responder rsp) {
          rsp(json_success([&](json_writer& w) {
            w.Key("config");
            write_settings(w, *svc->cfg);
          }));
        }));
  // Open: a signed link stands in for the api key, and without one the
  // handler asks for the key itself.
  m.add("GET", "/download/:tid/*file", access::open,
        [svc](const caller_ptr&, request& req, responder rsp) {
          download(svc, req, rsp);
        });
}

} // namespace skyhaul::http
