#include "app/cli/commands.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include "app/cli/client.hpp"
#include "app/cli/reply_json.hpp"
#include "app/cli/watch.hpp"
#include "base/base64.hpp"
#include "base/percent.hpp"

namespace skyhaul::cli {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

int usage(const std::string& msg) {
  std::fprintf(stderr, "skyhaul: %s\n%s", msg.c_str(), usage_text());
  return exit_usage;
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "skyhaul: %s\n", msg.c_str());
  return exit_failed;
}

void put(writer& w, const char* k, const std::string& v) {
  w.Key(k);
  w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size()
         && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// The last path segment of a URL, for a name before the server knows one.
std::string url_name(const std::string& url) {
  auto end = url.find_first_of("?#");
  auto path = url.substr(0, end);
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool check_tids(const args& a, size_t min, size_t max, std::string& err) {
  if (a.positional.size() < min || a.positional.size() > max) {
    err = a.command + ": expected "
          + (min == max ? std::to_string(min) : "at least " + std::to_string(min))
          + " task id" + (max == 1 ? "" : "s");
    return false;
  }
  return true;
}

/// The body of POST /task from the command line; false on a usage error.
bool task_body(const args& a, std::string& body, std::string& name,
               std::string& err) {
  if (a.positional.size() != 1) {
    err = "add: expected one URL, magnet link or .torrent file";
    return false;
  }
  auto& src = a.positional[0];
  if (a.value("key") && a.value("target")) {
    err = "add: --key and --target exclude each other";
    return false;
  }
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  bool is_url = src.rfind("magnet:", 0) == 0 || src.find("://") != std::string::npos;
  if (is_url) {
    put(w, "url", src);
    name = url_name(src);
  } else {
    std::ifstream in{src, std::ios::binary};
    if (!in || !ends_with(src, ".torrent")) {
      err = "add: " + src + " is neither a URL nor a readable .torrent file";
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    put(w, "torrent", base64_encode(ss.str()));
    name = url_name(src);
  }
  for (auto* field : {"bucket", "key", "target", "sha1", "md5", "crc32"})
    if (auto v = a.value(field))
      put(w, field, *v);
  if (auto v = a.value("key"))
    name = *v;
  if (auto v = a.value("size")) {
    if (v->empty() || v->find_first_not_of("0123456789") != std::string::npos) {
      err = "add: --size must be a number of bytes";
      return false;
    }
    w.Key("size");
    w.Int64(std::stoll(*v));
  }
  if (a.values.count("files")) {
    w.Key("files");
    w.StartArray();
    for (auto& f : a.values.at("files"))
      w.String(f.c_str(), static_cast<rapidjson::SizeType>(f.size()));
    w.EndArray();
  }
  if (a.flag("paused")) {
    w.Key("paused");
    w.Bool(true);
  }
  if (a.flag("pick-files")) {
    // The task waits for `PUT /task/tid/<tid>/files` once its metadata
    // is known.
    w.Key("pick_files");
    w.Bool(true);
  }
  w.EndObject();
  body = buf.GetString();
  return true;
}

/// POST /task; the tid, or false with `err`.
bool create_task(const endpoint& ep, const std::string& body, std::string& tid,
                 std::string& err) {
  rapidjson::Document doc;
  if (!parse_success(call(ep, "POST", "/task", body), doc, err))
    return false;
  tid = str(doc, "tid");
  if (tid.empty()) {
    err = "the server answered no task id";
    return false;
  }
  return true;
}

int cmd_add(const endpoint& ep, const args& a) {
  std::string body, name, err;
  if (!task_body(a, body, name, err))
    return usage(err);
  if (!a.flag("wait")) {
    std::string tid;
    if (!create_task(ep, body, tid, err))
      return fail(err);
    if (a.json)
      std::printf("{\"tid\":\"%s\"}\n", tid.c_str());
    else
      std::printf("%s\n", tid.c_str());
    return exit_ok;
  }
  // Subscribed before the task exists, so its first event is seen too.
  std::string tid;
  auto code = follow(ep, {}, a.json,
                     [&](std::vector<task_view>& tasks, std::string& e) {
                       if (!create_task(ep, body, tid, e))
                         return false;
                       task_view t;
                       t.tid = tid;
                       t.name = name;
                       tasks.push_back(t);
                       return true;
                     });
  if (tid.empty())
    return code;
  if (!a.json) {
    std::printf("%s %s\n", tid.c_str(), code == 0 ? "finished" : "did not finish");
  }
  return code;
}

int cmd_ls(const endpoint& ep, const args& a) {
  std::string cursor;
  std::string state = a.value("state").value_or("all");
  bool first = true;
  if (a.json)
    std::printf("[");
  else
    std::printf("%-20s  %-11s  %7s  %10s  %s\n", "TID", "STATE", "DONE",
                "SIZE", "NAME");
  // The list comes in pages; a bound keeps a broken cursor from looping.
  for (int page = 0; page < 10000; ++page) {
    auto path = "/task/list?limit=1000&state=" + url_encode(state);
    if (!cursor.empty())
      path += "&cursor=" + cursor;
    rapidjson::Document doc;
    std::string err;
    if (!parse_success(call(ep, "GET", path), doc, err)) {
      if (a.json)
        std::printf("]\n");
      return fail(err);
    }
    auto* list = payload(doc, {"detail", "tasks"});
    if (list && list->IsArray())
      for (auto& t : list->GetArray()) {
        if (a.json) {
          std::printf("%s%s", first ? "" : ",", to_json(t).c_str());
        } else {
          task_view v;
          v.state = str(t, "state");
          v.done = static_cast<uint64_t>(num(t, "done_bytes", 0));
          v.total = num(t, "total_bytes", -1);
          auto name = str(t, "title");
          if (name.empty())
            name = str(t, "file_name");
          if (name.empty())
            name = str(t, "url");
          char pct[16];
          std::snprintf(pct, sizeof pct, "%.1f%%", percent_of(v));
          std::printf("%-20s  %-11s  %7s  %10s  %s\n", str(t, "tid").c_str(),
                      v.state.c_str(), pct,
                      v.total < 0 ? "?"
                                  : human_bytes(static_cast<uint64_t>(v.total))
                                      .c_str(),
                      name.c_str());
        }
        first = false;
      }
    cursor = str(doc, "next");
    if (cursor.empty())
      break;
  }
  if (a.json)
    std::printf("]\n");
  return exit_ok;
}

int cmd_status(const endpoint& ep, const args& a) {
  std::string err;
  if (!check_tids(a, 1, 1, err))
    return usage(err);
  auto r = call(ep, "GET", "/task/tid/" + a.positional[0] + "/status");
  rapidjson::Document doc;
  if (!parse_success(r, doc, err))
    return fail(err);
  auto* d = payload(doc, {"detail", "task"});
  if (!d)
    return fail("unexpected status answer");
  if (a.json) {
    std::printf("%s\n", to_json(*d).c_str());
    return exit_ok;
  }
  auto v = view_of_status(r.body, err);
  std::printf("tid:      %s\nstate:    %s\nname:     %s\n", v.tid.c_str(),
              v.state.c_str(), v.name.c_str());
  std::printf("progress: %.1f%% (%s of %s)\n", percent_of(v),
              human_bytes(v.done).c_str(),
              v.total < 0 ? "?" : human_bytes(static_cast<uint64_t>(v.total)).c_str());
  if (v.state == "downloading")
    std::printf("speed:    %s/s, ETA %s\n", human_bytes(v.speed).c_str(),
                human_eta(v.eta).c_str());
  if (auto url = str(*d, "url"); !url.empty())
    std::printf("source:   %s\n", url.c_str());
  if (!v.error.empty())
    std::printf("error:    %s\n", v.error.c_str());
  return exit_ok;
}

/// pause, resume, rm: one call per task; every task is tried.
int cmd_each(const endpoint& ep, const args& a) {
  std::string err;
  if (!check_tids(a, 1, 1000, err))
    return usage(err);
  int code = exit_ok;
  if (a.json)
    std::printf("[");
  for (size_t i = 0; i < a.positional.size(); ++i) {
    auto& tid = a.positional[i];
    http_reply r;
    if (a.command == "rm")
      r = call(ep, "DELETE",
               "/task/tid/" + tid + (a.flag("data") ? "?del_file=true" : ""));
    else
      r = call(ep, "PUT", "/task/tid/" + tid + "?act=" + a.command);
    rapidjson::Document doc;
    bool ok = parse_success(r, doc, err);
    if (a.json)
      std::printf("%s{\"tid\":\"%s\",\"ok\":%s%s%s}", i ? "," : "", tid.c_str(),
                  ok ? "true" : "false", ok ? "" : ",\"error\":",
                  ok ? "" : to_json(rapidjson::Value{err.c_str(), doc.GetAllocator()}).c_str());
    else if (ok)
      std::printf("%s %s\n", tid.c_str(),
                  a.command == "rm"      ? "removed"
                  : a.command == "pause" ? "paused"
                                         : "resumed");
    if (!ok) {
      if (!a.json)
        std::fprintf(stderr, "skyhaul: %s: %s\n", tid.c_str(), err.c_str());
      code = exit_failed;
    }
  }
  if (a.json)
    std::printf("]\n");
  return code;
}

int cmd_get(const endpoint& ep, const args& a) {
  if (a.positional.empty() || a.positional.size() > 2)
    return usage("get: expected TID [FILE]");
  auto& tid = a.positional[0];
  rapidjson::Document doc;
  std::string err;
  if (!parse_success(call(ep, "GET", "/task/tid/" + tid + "/info"), doc, err))
    return fail(err);
  auto* t = payload(doc, {"detail", "task"});
  if (!t || !t->HasMember("files") || !(*t)["files"].IsArray())
    return fail("the task has no stored files");
  auto& files = (*t)["files"];
  const rapidjson::Value* pick = nullptr;
  std::string names;
  for (auto& f : files.GetArray()) {
    names += "  " + str(f, "name") + " (" + str(f, "key") + ")\n";
    if (a.positional.size() == 2
          ? (str(f, "name") == a.positional[1] || str(f, "key") == a.positional[1])
          : files.Size() == 1)
      pick = &f;
  }
  if (!pick) {
    if (files.Size() == 0)
      return fail("the task has no stored files");
    std::fprintf(stderr, "skyhaul: name one of the task's files:\n%s",
                 names.c_str());
    return exit_usage;
  }
  auto link = str(*pick, "url");
  if (link.empty())
    return fail("the file has no download link");
  auto out = a.value("output").value_or(url_name(str(*pick, "name")));
  if (out.empty())
    out = url_name(str(*pick, "key"));
  // The link is a path on the same server, or a full URL.
  auto path = link.find("://") == std::string::npos
                ? link
                : link.substr(link.find('/', link.find("://") + 3));
  auto r = download(ep, path, out);
  if (!r.error.empty())
    return fail(r.error);
  if (r.status < 200 || r.status > 299) {
    http_reply shaped = r;
    parse_success(shaped, doc, err);
    return fail(err);
  }
  if (a.json)
    std::printf("{\"tid\":\"%s\",\"path\":%s,\"size\":%s}\n", tid.c_str(),
                to_json(rapidjson::Value{out.c_str(), doc.GetAllocator()}).c_str(),
                str(*pick, "size").c_str());
  else
    std::printf("%s\n", out.c_str());
  return exit_ok;
}

int cmd_login(const args& a) {
  auto ep = resolve_endpoint(a.api, a.api_key);
  if (!a.api_key) {
    if (::isatty(STDIN_FILENO))
      std::fprintf(stderr, "api key for %s: ", ep.api.c_str());
    std::string key;
    if (!std::getline(std::cin, key) || key.empty())
      return usage("login: no api key given (--key, or on stdin)");
    ep.key = key;
  }
  // Checked before it is saved: a typo should not be stored.
  rapidjson::Document doc;
  std::string err;
  if (!parse_success(call(ep, "GET", "/task/state_counter"), doc, err))
    return fail("login refused: " + err);
  auto path = config_path();
  if (auto e = write_config(path, ep); !e.empty())
    return fail(e);
  if (a.json)
    std::printf("{\"api\":%s,\"config\":%s}\n",
                to_json(rapidjson::Value{ep.api.c_str(), doc.GetAllocator()}).c_str(),
                to_json(rapidjson::Value{path.c_str(), doc.GetAllocator()}).c_str());
  else
    std::printf("saved %s for %s\n", path.c_str(), ep.api.c_str());
  return exit_ok;
}

int cmd_watch(const endpoint& ep, const args& a) {
  auto tids = a.positional;
  return follow(ep, tids, a.json,
                [&](std::vector<task_view>& tasks, std::string& err) {
                  for (auto& tid : tids) {
                    auto r = call(ep, "GET", "/task/tid/" + tid + "/status");
                    auto v = view_of_status(r.body, err);
                    if (!err.empty()) {
                      err = tid + ": " + (r.error.empty() ? err : r.error);
                      return false;
                    }
                    v.tid = tid;
                    tasks.push_back(v);
                  }
                  return true;
                });
}

} // namespace

int run(const args& a) {
  if (!a.error.empty())
    return usage(a.error);
  if (a.command == "help" || a.flag("help") || a.command.empty()) {
    std::printf("%s", usage_text());
    return exit_ok;
  }
  if (a.command == "login")
    return cmd_login(a);
  auto ep = resolve_endpoint(a.api, a.api_key);
  if (ep.key.empty())
    return usage("no api key: pass --key, set SKYHAUL_KEY or run skyhaul login");
  if (a.command == "add")
    return cmd_add(ep, a);
  if (a.command == "ls")
    return a.positional.empty() ? cmd_ls(ep, a) : usage("ls takes no arguments");
  if (a.command == "status")
    return cmd_status(ep, a);
  if (a.command == "watch")
    return cmd_watch(ep, a);
  if (a.command == "get")
    return cmd_get(ep, a);
  return cmd_each(ep, a);
}

} // namespace skyhaul::cli
