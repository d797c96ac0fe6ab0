#include "app/cli/watch.hpp"

#include <cstdio>
#include <set>

#include <unistd.h>

#include "app/cli/client.hpp"
#include "app/cli/reply_json.hpp"

namespace skyhaul::cli {

namespace {

std::string name_of(const rapidjson::Value& v) {
  for (auto* n : {"title", "file_name", "torrent_name"}) {
    auto s = str(v, n);
    if (!s.empty())
      return s;
  }
  return {};
}

/// Applies event `e` to `t`.
void apply(const sse_event& e, const rapidjson::Value& d, task_view& t) {
  if (e.type == "task.created") {
    t.state = str(d, "state");
    if (auto n = name_of(d); !n.empty())
      t.name = n;
    else if (t.name.empty())
      t.name = str(d, "key");
  } else if (e.type == "task.state") {
    t.state = str(d, "state");
    if (d.HasMember("error") && d["error"].IsObject())
      t.error = str(d["error"], "message");
  } else if (e.type == "task.progress") {
    t.done = static_cast<uint64_t>(num(d, "done_bytes", 0));
    t.total = num(d, "total_bytes", -1);
    t.speed = static_cast<uint64_t>(num(d, "speed", 0));
    t.eta = num(d, "eta", -1);
  } else if (e.type == "task.file") {
    if (d.HasMember("file") && d["file"].IsObject() && t.name.empty())
      t.name = str(d["file"], "name");
  } else if (e.type == "task.removed") {
    t.state = "removed";
  }
}

void print_event_json(const sse_event& e) {
  std::printf("{\"id\":%s,\"event\":\"%s\",\"data\":%s}\n",
              e.id.empty() ? "null" : e.id.c_str(), e.type.c_str(),
              e.data.empty() ? "{}" : e.data.c_str());
  std::fflush(stdout);
}

std::string query_of(const std::vector<std::string>& tids) {
  std::string q;
  for (auto& t : tids)
    q += (q.empty() ? "?tid=" : "&tid=") + t;
  return q;
}

} // namespace

bool is_end_state(const std::string& s) {
  return s == "finished" || s == "failed" || s == "cancelled"
         || s == "removed";
}

task_view view_of_status(const std::string& body, std::string& error) {
  task_view t;
  http_reply r;
  r.status = 200;
  r.body = body;
  rapidjson::Document doc;
  if (!parse_success(r, doc, error))
    return t;
  auto* d = payload(doc, {"detail", "task"});
  if (!d || !d->IsObject()) {
    error = "unexpected status answer";
    return t;
  }
  t.tid = str(*d, "tid");
  t.state = str(*d, "state");
  t.name = name_of(*d);
  t.done = static_cast<uint64_t>(num(*d, "done_bytes", 0));
  t.total = num(*d, "total_bytes", -1);
  t.speed = static_cast<uint64_t>(num(*d, "speed", 0));
  t.eta = num(*d, "eta", -1);
  if (d->HasMember("error") && (*d)["error"].IsObject())
    t.error = str((*d)["error"], "message");
  return t;
}

int follow(const endpoint& ep, const std::vector<std::string>& tids,
           bool json, const follow_start& start) {
  event_feed feed{ep, query_of(tids)};
  if (!feed.wait_subscribed(15000)) {
    std::fprintf(stderr, "skyhaul: %s\n", feed.error().c_str());
    return 1;
  }
  std::vector<task_view> first;
  std::string error;
  if (!start(first, error)) {
    std::fprintf(stderr, "skyhaul: %s\n", error.c_str());
    return 1;
  }
  bool tty = !json && ::isatty(STDOUT_FILENO);
  bar_board board{stdout, tty};
  std::set<std::string> followed;
  for (auto& t : first) {
    followed.insert(t.tid);
    board.at(t.tid) = t;
    if (!json)
      board.changed(t.tid);
  }
  auto all_ended = [&] {
    if (followed.empty())
      return false;
    for (auto& tid : followed)
      if (!is_end_state(board.at(tid).state))
        return false;
    return true;
  };
  while (!all_ended()) {
    sse_event e;
    if (!feed.next(e, 1000)) {
      if (auto err = feed.error(); !err.empty()) {
        std::fprintf(stderr, "skyhaul: %s\n", err.c_str());
        return 1;
      }
      continue;
    }
    if (e.type == "reset") {
      // Events were missed past the log's retention: read the tasks again.
      for (auto& tid : followed) {
        auto r = call(ep, "GET", "/task/tid/" + tid + "/status");
        std::string err;
        auto v = view_of_status(r.body, err);
        if (err.empty()) {
          board.at(tid) = v;
          if (!json)
            board.changed(tid);
        }
      }
      continue;
    }
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(e.data.c_str(), e.data.size());
    if (d.HasParseError() || !d.IsObject())
      continue;
    auto tid = str(d, "tid");
    bool wanted = followed.empty() ? true : followed.count(tid) > 0;
    if (!wanted)
      continue;
    if (json)
      print_event_json(e);
    auto& t = board.at(tid);
    apply(e, d, t);
    if (!json)
      board.changed(tid);
  }
  int status = 0;
  for (auto* t : board.all())
    if (followed.count(t->tid) && t->state != "finished")
      status = 1;
  return status;
}

} // namespace skyhaul::cli
