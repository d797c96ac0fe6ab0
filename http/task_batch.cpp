#include "http/task_batch.hpp"

#include "http/bridge.hpp"
#include "http/json.hpp"
#include "http/task_body.hpp"
#include "protocol/plan.hpp"
#include "protocol/settings.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/rules/quota.hpp"

#include <caf/all.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <rapidjson/document.h>
#include <set>

namespace skyhaul::http {

namespace {

/// Most tids one batch call may name.
constexpr size_t max_batch = 1000;

} // namespace

void batch_operation(const services& svc, const user_record& user,
                     request& req, responder respond) {
  auto op = req.params.at("op");
  if (op != "pause" && op != "resume" && op != "delete") {
    respond(json_error(404, "no such batch operation: " + op));
    return;
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(req.body.c_str(), req.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("tids")
      || !doc["tids"].IsArray()) {
    respond(json_error(400, "the body must be {\"tids\":[...]}"));
    return;
  }
  bool del_file = false;
  for (auto& m : doc.GetObject()) {
    std::string name{m.name.GetString(), m.name.GetStringLength()};
    if (name == "del_file" && op == "delete") {
      if (!m.value.IsBool())
        return respond(
            json_error(400, "field 'del_file' must be true or false"));
      del_file = m.value.GetBool();
    } else if (name != "tids") {
      return respond(json_error(400, "unknown field: " + name));
    }
  }
  auto& tids = doc["tids"];
  if (tids.Size() == 0) {
    respond(json_error(400, "tids must name at least one task"));
    return;
  }
  if (tids.Size() > max_batch) {
    respond(json_error(413, "tids may name at most 1000 tasks"));
    return;
  }
  // A tid named twice is acted on once: it has one answer in "results".
  std::vector<std::string> unique;
  {
    std::set<std::string> seen;
    for (auto& v : tids.GetArray()) {
      if (!v.IsString()) {
        respond(json_error(400, "tids must be strings"));
        return;
      }
      std::string tid{v.GetString(), v.GetStringLength()};
      if (seen.insert(tid).second)
        unique.push_back(std::move(tid));
    }
  }
  struct collector {
    std::mutex mtx;
    size_t left;
    std::map<std::string, std::string> results; // tid -> errmsg
  };
  auto col = std::make_shared<collector>();
  col->left = unique.size();
  // Runs on CAF workers, concurrently: the last answer renders the reply.
  auto one_done = [col, respond](const std::string& tid, std::string err) {
    {
      std::lock_guard<std::mutex> guard{col->mtx};
      col->results.emplace(tid, std::move(err));
      if (--col->left > 0)
        return;
    }
    respond(json_success([&](json_writer& w) {
      // The seed's shape: [tid, message] for each tid that failed.
      w.Key("detail");
      w.StartArray();
      for (auto& [t, e] : col->results) {
        if (e.empty())
          continue;
        w.StartArray();
        w.String(t.c_str(), static_cast<rapidjson::SizeType>(t.size()));
        w.String(e.c_str(), static_cast<rapidjson::SizeType>(e.size()));
        w.EndArray();
      }
      w.EndArray();
      w.Key("results");
      w.StartObject();
      for (auto& [t, e] : col->results) {
        w.Key(t.c_str(), static_cast<rapidjson::SizeType>(t.size()));
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
  for (auto& tid : unique) {
    auto seq = parse_tid(tid);
    if (!seq) {
      one_done(tid, "no such task: " + tid);
      continue;
    }
    auto ok = [one_done, tid](caf::ok_atom) { one_done(tid, {}); };
    auto err = [one_done, tid](caf::error& e) { one_done(tid, message_of(e)); };
    if (op == "pause")
      ask(*svc.sys, svc.scheduler, ok, err, atom::pause_v, uid, *seq);
    else if (op == "resume")
      ask(*svc.sys, svc.scheduler, ok, err, atom::resume_v, uid, *seq);
    else
      ask(*svc.sys, svc.scheduler, ok, err, atom::remove_v, uid, *seq,
          del_file);
  }
}


void batch_create(const services& svc, const user_record& user, request& req,
                  responder respond) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(req.body.c_str(), req.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("tasks")
      || !doc["tasks"].IsArray() || doc.MemberCount() != 1) {
    respond(json_error(400, "the body must be {\"tasks\":[...]}"));
    return;
  }
  auto& tasks = doc["tasks"];
  if (tasks.Empty()) {
    respond(json_error(400, "tasks must hold at least one task"));
    return;
  }
  if (tasks.Size() > max_batch_create) {
    respond(json_error(413, "tasks may hold at most "
                                + std::to_string(max_batch_create)
                                + " tasks"));
    return;
  }
  // Each spec's error, or its place among the specs that go to the
  // scheduler.
  struct outcome {
    caf::error err;
    size_t index = 0;
  };
  auto outcomes = std::make_shared<std::vector<outcome>>(tasks.Size());
  std::vector<task_spec> good;
  good.reserve(tasks.Size());
  for (rapidjson::SizeType i = 0; i < tasks.Size(); ++i) {
    task_spec spec;
    auto& out = (*outcomes)[i];
    out.err = parse_task_object(tasks[i], user.id,
                                svc.cfg->bt_max_torrent_size, spec);
    if (!out.err) {
      out.index = good.size();
      good.push_back(std::move(spec));
    }
  }
  auto render = [outcomes](const std::vector<task_seq>& seqs,
                           const caf::error& failed) {
    return json_success([&](json_writer& w) {
      size_t created = 0;
      w.Key("detail");
      w.StartArray();
      for (auto& o : *outcomes) {
        w.StartObject();
        auto& err = o.err ? o.err : failed;
        if (err) {
          put(w, "status", "error");
          put(w, "errmsg", message_of(err));
        } else {
          put(w, "status", "success");
          put(w, "tid", format_tid(seqs[o.index]));
          ++created;
        }
        w.EndObject();
      }
      w.EndArray();
      w.Key("created");
      w.Uint64(created);
      w.Key("failed");
      w.Uint64(outcomes->size() - created);
    });
  };
  if (good.empty()) {
    respond(render({}, caf::error{}));
    return;
  }
  {
    // The plan's storage quota, by the rule POST /task applies: a full
    // cloud takes none of them.
    auto t = svc.db->read();
    auto& plan
        = plan_named(svc.cfg->plans, svc.cfg->default_plan, user.plan);
    if (auto why = storage::rules::refuse_new(t, plan, user.id)) {
      respond(json_error(403, *why));
      return;
    }
  }
  ask(
      *svc.sys, svc.scheduler,
      [respond, render](std::vector<task_seq>& seqs) {
        respond(render(seqs, caf::error{}));
      },
      [respond, render](caf::error& err) {
        // Nothing was committed: every spec that was good fails with it.
        respond(render({}, err));
      },
      atom::create_v, user.id, std::move(good));
}

} // namespace skyhaul::http
