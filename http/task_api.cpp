#include "http/task_api.hpp"

#include <memory>
#include <mutex>

#include <caf/all.hpp>
#include <rapidjson/document.h>

#include "http/auth.hpp"
#include "http/bridge.hpp"
#include "http/download.hpp"
#include "http/json.hpp"
#include "http/task_json.hpp"
#include "http/validate.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/task_table.hpp"

namespace skyhaul::http {

namespace {

using authed_handler = std::function<void(const user_record&, request&,
                                          responder)>;

/// Wraps a handler that needs an authenticated user.
router::handler authed(const services& svc, authed_handler fn) {
  return [&svc, fn](request& req, responder respond) {
    auto user = authenticate(svc, req);
    if (!user) {
      respond(json_error(401, "missing or invalid api key"));
      return;
    }
    fn(*user, req, std::move(respond));
  };
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
  return [respond](caf::ok_atom) {
    respond(json_success([](json_writer&) {}));
  };
}

std::optional<std::string> get_string(const rapidjson::Value& v,
                                      const char* name, std::string& out) {
  if (!v.IsString())
    return std::string{"field '"} + name + "' must be a string";
  out.assign(v.GetString(), v.GetStringLength());
  return std::nullopt;
}

void batch(const services& svc, const user_record& user, request& req,
           responder respond) {
  auto op = req.params.at("op");
  if (op != "pause" && op != "resume" && op != "delete") {
    respond(json_error(404, "no such batch operation: " + op));
    return;
  }
  rapidjson::Document doc;
  doc.Parse(req.body.c_str(), req.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("tids")
      || !doc["tids"].IsArray()) {
    respond(json_error(400, "the body must be {\"tids\":[...]}"));
    return;
  }
  bool del_file = false;
  for (auto& m : doc.GetObject()) {
    std::string name = m.name.GetString();
    if (name == "del_file" && m.value.IsBool())
      del_file = m.value.GetBool();
    else if (name != "tids")
      return respond(json_error(400, "unknown field: " + name));
  }
  auto& tids = doc["tids"];
  if (tids.Size() == 0 || tids.Size() > 1000) {
    respond(json_error(400, "tids must hold 1 to 1000 task ids"));
    return;
  }
  struct collector {
    std::mutex mtx;
    size_t left;
    std::vector<std::pair<std::string, std::string>> results; // tid, errmsg
  };
  auto col = std::make_shared<collector>();
  col->left = tids.Size();
  auto one_done = [col, respond](const std::string& tid, std::string err) {
    std::unique_lock<std::mutex> guard{col->mtx};
    col->results.emplace_back(tid, std::move(err));
    if (--col->left > 0)
      return;
    respond(json_success([&](json_writer& w) {
      w.Key("results");
      w.StartObject();
      for (auto& [t, e] : col->results) {
        w.Key(t.c_str());
        w.StartObject();
        put(w, "status", e.empty() ? "success" : "error");
        if (!e.empty())
          put(w, "errmsg", e);
        w.EndObject();
      }
      w.EndObject();
    }));
  };
  auto uid = user.id;
  for (auto& v : tids.GetArray()) {
    std::string tid = v.IsString() ? v.GetString() : "";
    auto seq = parse_tid(tid);
    if (!seq) {
      one_done(tid, "no such task: " + tid);
      continue;
    }
    auto ok = [one_done, tid](caf::ok_atom) { one_done(tid, {}); };
    auto err = [one_done, tid](caf::error& e) {
      one_done(tid, message_of(e));
    };
    if (op == "pause")
      ask(*svc.sys, svc.scheduler, ok, err, atom::pause_v, uid, *seq);
    else if (op == "resume")
      ask(*svc.sys, svc.scheduler, ok, err, atom::resume_v, uid, *seq);
    else
      ask(*svc.sys, svc.scheduler, ok, err, atom::remove_v, uid, *seq,
          del_file);
  }
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
  auto number = [&](const char* name, uint64_t lo, uint64_t hi,
                    uint64_t& out) {
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
  if (!number("limit", 1, 1000, limit) || !number("offset", 0, 1ull << 40,
                                                  offset)) {
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
  ask(
    *svc.sys, svc.scheduler,
    [respond, short_form](task_page& page) {
      respond(json_success([&](json_writer& w) {
        w.Key("tasks");
        w.StartArray();
        for (auto& ts : page.tasks)
          write_task(w, ts, short_form);
        w.EndArray();
        put(w, "next", page.next == 0 ? std::string{} : format_tid(page.next));
      }));
    },
    on_error(respond), atom::list_v, user.id, q);
}

} // namespace

std::optional<std::string> parse_task_body(const std::string& body,
                                           user_id uid, task_spec& spec) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError())
    return std::string{"the body is not valid JSON"};
  if (!doc.IsObject())
    return std::string{"the body must be a JSON object"};
  spec = task_spec{};
  spec.origin = face::task_api;
  std::string rule;
  for (auto& m : doc.GetObject()) {
    std::string name{m.name.GetString(), m.name.GetStringLength()};
    auto& v = m.value;
    std::optional<std::string> err;
    if (name == "url")
      err = get_string(v, "url", spec.url);
    else if (name == "bucket")
      err = get_string(v, "bucket", spec.bucket);
    else if (name == "key")
      err = get_string(v, "key", spec.key);
    else if (name == "target")
      err = get_string(v, "target", spec.target);
    else if (name == "md5")
      err = get_string(v, "md5", spec.md5);
    else if (name == "sha1")
      err = get_string(v, "sha1", spec.sha1);
    else if (name == "crc32")
      err = get_string(v, "crc32", spec.crc32);
    else if (name == "acl")
      err = get_string(v, "acl", spec.acl);
    else if (name == "on_key_exist")
      err = get_string(v, "on_key_exist", rule);
    else if (name == "success_callback_url")
      err = get_string(v, "success_callback_url", spec.success_callback_url);
    else if (name == "failure_callback_url")
      err = get_string(v, "failure_callback_url", spec.failure_callback_url);
    else if (name == "size") {
      if (!v.IsInt64() || v.GetInt64() < 0)
        err = "field 'size' must be a non-negative integer";
      else
        spec.size = v.GetInt64();
    } else if (name == "paused") {
      if (!v.IsBool())
        err = "field 'paused' must be true or false";
      else
        spec.start_paused = v.GetBool();
    } else if (name == "files") {
      if (!v.IsArray() || v.Size() > 10000)
        err = "field 'files' must be an array of file names";
      else
        for (auto& f : v.GetArray()) {
          if (!f.IsString()) {
            err = "field 'files' must be an array of file names";
            break;
          }
          spec.files.emplace_back(f.GetString(), f.GetStringLength());
        }
    } else {
      err = "unknown field: " + name;
    }
    if (err)
      return err;
  }
  if (spec.url.empty())
    return std::string{"field 'url' is required"};
  if (auto err = check_http_url(spec.url))
    return "bad url: " + *err;
  if (spec.bucket.empty())
    spec.bucket = "user-" + std::to_string(uid);
  else if (!valid_bucket_name(spec.bucket))
    return "bad bucket name: " + spec.bucket;
  if (!spec.key.empty())
    if (auto err = check_object_key(spec.key))
      return "bad key: " + *err;
  if (!spec.target.empty()) {
    // A target is a key prefix: the file name follows a '/'.
    auto probe = spec.target.back() == '/' ? spec.target + "x"
                                           : spec.target + "/x";
    if (auto err = check_object_key(probe))
      return "bad target: " + *err;
  }
  if (!spec.md5.empty() && !normalise_hex(spec.md5, 32))
    return std::string{"md5 must be 32 hex digits"};
  if (!spec.sha1.empty() && !normalise_hex(spec.sha1, 40))
    return std::string{"sha1 must be 40 hex digits"};
  if (!spec.crc32.empty() && !normalise_hex(spec.crc32, 8))
    return std::string{"crc32 must be 1 to 8 hex digits"};
  if (!rule.empty() && !from_string(rule, spec.rule))
    return "unknown on_key_exist rule: " + rule;
  for (auto* cb : {&spec.success_callback_url, &spec.failure_callback_url})
    if (!cb->empty())
      if (auto err = check_http_url(*cb))
        return "bad callback url: " + *err;
  if (spec.acl.size() > 4096)
    return std::string{"acl is too long"};
  return std::nullopt;
}

void add_task_api(router& r, const services& svc) {
  r.error = [](unsigned status, const std::string& msg) {
    return json_error(status, msg);
  };
  auto* sys = svc.sys;
  auto sched = svc.scheduler;
  r.add("GET", "/healthz", [](request&, responder respond) {
    respond(json_success([](json_writer&) {}));
  });
  r.add("POST", "/task",
        authed(svc, [=](const user_record& u, request& req, responder rsp) {
          task_spec spec;
          if (auto err = parse_task_body(req.body, u.id, spec)) {
            rsp(json_error(400, *err));
            return;
          }
          ask(
            *sys, sched,
            [rsp](task_seq seq) {
              rsp(json_success(
                [&](json_writer& w) { put(w, "tid", format_tid(seq)); }));
            },
            on_error(rsp), atom::create_v, u.id, std::move(spec));
        }));
  r.add("PUT", "/task/tid/:tid",
        authed(svc, [=](const user_record& u, request& req, responder rsp) {
          auto seq = tid_param(req, rsp);
          if (!seq)
            return;
          auto& act = req.arg("act");
          if (act == "pause")
            ask(*sys, sched, ok_reply(rsp), on_error(rsp), atom::pause_v,
                u.id, *seq);
          else if (act == "resume")
            ask(*sys, sched, ok_reply(rsp), on_error(rsp), atom::resume_v,
                u.id, *seq);
          else
            rsp(json_error(400, "act must be pause or resume"));
        }));
  r.add("DELETE", "/task/tid/:tid",
        authed(svc, [=](const user_record& u, request& req, responder rsp) {
          auto seq = tid_param(req, rsp);
          if (!seq)
            return;
          ask(*sys, sched, ok_reply(rsp), on_error(rsp), atom::remove_v,
              u.id, *seq, flag(req, "del_file", false));
        }));
  r.add("GET", "/task/tid/:tid/status",
        authed(svc, [=, &svc](const user_record& u, request& req,
                              responder rsp) {
          auto seq = tid_param(req, rsp);
          if (!seq)
            return;
          auto short_form = excerpt(req, false);
          auto render = [rsp, short_form](const task_status& ts) {
            rsp(json_success([&](json_writer& w) {
              w.Key("task");
              write_task(w, ts, short_form);
            }));
          };
          // Only a downloading task has figures newer than its record; any
          // other state is answered from LMDB, where every acknowledged
          // change already is, without a trip through the actors.
          {
            std::optional<task_record> rec;
            {
              auto t = svc.db->read();
              rec = storage::get_task(t, *seq);
            }
            if (!rec || rec->owner != u.id) {
              rsp(json_error(404, "no such task: " + format_tid(*seq)));
              return;
            }
            if (rec->state != task_state::downloading) {
              task_status ts;
              ts.rec = std::move(*rec);
              render(ts);
              return;
            }
          }
          ask(
            *sys, sched, [render](task_status& ts) { render(ts); },
            on_error(rsp), atom::status_v, u.id, *seq);
        }));
  r.add("GET", "/task/tid/:tid/info",
        authed(svc, [=, &svc](const user_record& u, request& req,
                              responder rsp) {
          auto seq = tid_param(req, rsp);
          if (!seq)
            return;
          ask(
            *sys, sched,
            [rsp, &svc](task_status& ts) {
              rsp(json_success([&](json_writer& w) {
                w.Key("task");
                write_info(w, svc, ts.rec);
              }));
            },
            on_error(rsp), atom::status_v, u.id, *seq);
        }));
  r.add("POST", "/task/batch/:op",
        authed(svc, [&svc](const user_record& u, request& req, responder rsp) {
          batch(svc, u, req, std::move(rsp));
        }));
  r.add("GET", "/task/list",
        authed(svc, [&svc](const user_record& u, request& req, responder rsp) {
          list(svc, u, req, std::move(rsp));
        }));
  auto counters = authed(svc, [=](const user_record& u, request&,
                                  responder rsp) {
    ask(
      *sys, sched,
      [rsp](state_counters& c) {
        rsp(json_success([&](json_writer& w) {
          w.Key("counters");
          w.StartObject();
          uint64_t all = 0;
          for (size_t i = 0; i < num_task_states; ++i) {
            w.Key(to_string(static_cast<task_state>(i)));
            w.Uint64(c.counts[i]);
            all += c.counts[i];
          }
          w.Key("all");
          w.Uint64(all);
          w.EndObject();
        }));
      },
      on_error(rsp), atom::counters_v, u.id);
  });
  r.add("GET", "/task/state_coutner", counters);
  r.add("GET", "/task/state_counter", counters);
  r.add("GET", "/config",
        authed(svc, [&svc](const user_record&, request&, responder rsp) {
          rsp(json_success([&](json_writer& w) {
            w.Key("config");
            write_settings(w, *svc.cfg);
          }));
        }));
  r.add("GET", "/download/:tid/*file",
        [&svc](request& req, responder rsp) { download(svc, req, rsp); });
}

} // namespace skyhaul::http
