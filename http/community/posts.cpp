#include "http/community/bodies.hpp"
#include "http/community/envelope.hpp"
#include "http/community/handlers.hpp"
#include "http/community/render.hpp"

#include "base/hex.hpp"
#include "base/metainfo.hpp"
#include "http/bridge.hpp"
#include "protocol/task_record.hpp"
#include "storage/level_table.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/post_table.hpp"
#include "storage/seed_table.hpp"
#include "storage/task_table.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <rapidjson/document.h>

namespace skyhaul::http::community {

namespace {

constexpr uint32_t max_page_size = 100;

/// The post `pid` as `user` may see it.
std::optional<post_record> visible_post(const storage::txn& t,
                                        const user_record& user,
                                        uint64_t pid) {
  auto p = storage::get_post(t, pid);
  if (!p || (!p->enabled && p->author != user.id && !user.admin))
    return std::nullopt;
  return p;
}

reply no_post() {
  return community_error(404, "No such post found");
}

/// Page parameters: pageNo from 1 (default 1), pageSize 1-100 (default 5).
bool paging(const request& req, uint64_t& no, uint32_t& size,
            responder& respond) {
  no = 1;
  size = 5;
  if (req.has_arg("pageNo") && !req.arg("pageNo").empty()) {
    auto n = number(req.arg("pageNo"));
    if (!n || *n == 0) {
      respond(community_error(400, "pageNo must be a number from 1"));
      return false;
    }
    no = *n;
  }
  if (req.has_arg("pageSize") && !req.arg("pageSize").empty()) {
    auto n = number(req.arg("pageSize"));
    if (!n || *n == 0 || *n > max_page_size) {
      respond(community_error(400, "pageSize must be a number from 1 to 100"));
      return false;
    }
    size = static_cast<uint32_t>(*n);
  }
  return true;
}

bool contains_folded(const std::string& hay, const std::string& needle) {
  auto eq = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a))
           == std::tolower(static_cast<unsigned char>(b));
  };
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), eq)
         != hay.end();
}

/// Fills `w` with the metainfo of the caller's finished task `tid`, or
/// answers why it cannot be posted. A task from an uploaded or fetched
/// torrent keeps its metainfo; a magnet link's task has the metadata its
/// swarm sent, kept by info-hash; a task of one downloaded file gets a
/// torrent made of it by the community actor (it hashes the file). Either
/// way Skyhaul seeds the stored files (`from_task`).
std::optional<reply> torrent_of_task(const services& svc,
                                     const user_record& user,
                                     const std::string& tid,
                                     community_write& w) {
  auto seq = parse_tid(tid);
  auto t = svc.db->read();
  auto rec = seq ? storage::get_task(t, *seq) : std::nullopt;
  if (!rec || rec->owner != user.id)
    return community_error(404, "No such task: " + tid);
  if (rec->state != task_state::finished)
    return community_error(409, "The task has not finished");
  w.from_task = rec->seq;
  std::string torrent = rec->spec.torrent;
  if (torrent.empty() && !rec->info_hash.empty()) {
    auto meta = storage::get_torrent_metadata(t, rec->info_hash);
    if (!meta)
      return community_error(
          400, "The task keeps no metadata of its torrent");
    torrent = "d4:info" + meta->info + "e";
  }
  if (torrent.empty()) {
    if (rec->files.size() != 1)
      return community_error(
          400, "Only a task that stored one file makes a torrent");
    return std::nullopt;
  }
  std::string error;
  auto facts = check_metainfo(torrent, error);
  if (!facts)
    return community_error(400, "The task's torrent is not usable: " + error);
  w.torrent = std::move(torrent);
  w.post.info_hash = to_hex(facts->info_hash);
  w.post.size = facts->size;
  return std::nullopt;
}

} // namespace

std::optional<uint64_t> number(const std::string& text) {
  if (text.empty() || text.size() > 12
      || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoull(text);
}

std::optional<uint64_t> id_param(const request& req, const char* name) {
  auto n = number(req.params.at(name));
  if (!n || *n == 0)
    return std::nullopt;
  return n;
}

community_write write_of(const user_record& user, community_op op,
                         uint64_t id) {
  community_write w;
  w.op = op;
  w.caller = user.id;
  w.admin = user.admin;
  w.id = id;
  return w;
}

void write(const services& svc, community_write w, responder respond,
           unsigned status, std::string message, char show) {
  auto db = svc.db;
  ask(
      *svc.sys, svc.community,
      [db, respond, status, message, show](community_outcome& out) {
        if (show == '-')
          return respond(success(status, message));
        auto t = db->read();
        renderer r{t};
        respond(success(status, message, [&](json_writer& jw) {
          if (show == 'p')
            r.post(jw, out.post);
          else if (show == 't')
            r.thread(jw, out.thread);
          else
            r.level(jw, out.level);
        }));
      },
      [respond](caf::error& err) { respond(failure(err)); },
      atom::community_v, std::move(w));
}

void create_post(const services& svc, const user_record& user, request& req,
                 responder respond) {
  rapidjson::Document doc;
  if (auto bad = parse_object(req.body, doc))
    return respond(community_error(400, *bad));
  auto w = write_of(user, community_op::create_post);
  bool has_level = false;
  std::string from_task;
  if (auto bad = read_post(doc, w.post, has_level, &from_task))
    return respond(community_error(400, *bad));
  if (w.post.title.empty())
    return respond(community_error(400, "title is required"));
  if (!from_task.empty())
    if (auto bad = torrent_of_task(svc, user, from_task, w))
      return respond(std::move(*bad));
  if (!has_level) {
    // The lowest level: anyone may download.
    auto t = svc.db->read();
    auto levels = storage::list_levels(t);
    if (levels.empty())
      return respond(community_error(400, "minLevel is required"));
    w.post.min_level = levels.front().lid;
  }
  write(svc, std::move(w), respond, 201, "Post persisted", 'p');
}

void update_post(const services& svc, const user_record& user, request& req,
                 responder respond) {
  auto pid = id_param(req, "pid");
  if (!pid)
    return respond(no_post());
  rapidjson::Document doc;
  if (auto bad = parse_object(req.body, doc))
    return respond(community_error(400, *bad));
  auto w = write_of(user, community_op::update_post, *pid);
  {
    // Fields left out keep their values.
    auto t = svc.db->read();
    auto current = visible_post(t, user, *pid);
    if (!current)
      return respond(no_post());
    w.post = *current;
  }
  bool has_level = false;
  if (auto bad = read_post(doc, w.post, has_level, nullptr))
    return respond(community_error(400, *bad));
  write(svc, std::move(w), respond, 200, "Post updated", 'p');
}

void get_post(const services& svc, const user_record& user, request& req,
              responder respond) {
  auto pid = id_param(req, "pid");
  if (!pid)
    return respond(no_post());
  auto t = svc.db->read();
  auto p = visible_post(t, user, *pid);
  if (!p)
    return respond(no_post());
  renderer r{t};
  respond(success(200, "Get post", [&](json_writer& w) { r.post(w, *p); }));
}

void delete_post(const services& svc, const user_record& user, request& req,
                 responder respond) {
  auto pid = id_param(req, "pid");
  if (!pid)
    return respond(no_post());
  auto w = write_of(user, community_op::delete_post, *pid);
  write(svc, std::move(w), respond, 200, "Post deleted", '-');
}

void list_posts(const services& svc, const user_record& user, request& req,
                responder respond) {
  uint64_t no = 1;
  uint32_t size = 5;
  if (!paging(req, no, size, respond))
    return;
  std::optional<uint64_t> author;
  std::optional<uint64_t> level;
  if (!req.arg("author").empty() && !(author = number(req.arg("author"))))
    return respond(community_error(400, "author must be a user id"));
  if (!req.arg("minLevel").empty() && !(level = number(req.arg("minLevel"))))
    return respond(community_error(400, "minLevel must be a level id"));
  auto& q = req.arg("q");
  if (q.size() > 200)
    return respond(community_error(400, "q may have at most 200 bytes"));
  auto t = svc.db->read();
  std::vector<post_record> shown;
  uint64_t total = 0;
  auto first = (no - 1) * size;
  storage::scan_posts(t, [&](const post_record& p) {
    if (!p.enabled || (author && p.author != *author)
        || (level && p.min_level != *level)
        || (!q.empty() && !contains_folded(p.title, q)
            && !contains_folded(p.content, q)))
      return true;
    if (total >= first && shown.size() < size)
      shown.push_back(p);
    ++total;
    return true;
  });
  (void) user;
  renderer r{t};
  respond(success(200, "Get posts", [&](json_writer& w) {
    page(w, total, size, no, [&] {
      for (auto& p : shown)
        r.post(w, p);
    });
  }));
}

void add_thread(const services& svc, const user_record& user, request& req,
                responder respond) {
  auto pid = id_param(req, "pid");
  if (!pid)
    return respond(no_post());
  rapidjson::Document doc;
  if (auto bad = parse_object(req.body, doc))
    return respond(community_error(400, *bad));
  auto w = write_of(user, community_op::add_thread, *pid);
  if (auto bad = read_thread(doc, w.thread))
    return respond(community_error(400, *bad));
  write(svc, std::move(w), respond, 201, "Thread persisted", 't');
}

void thread_page(const services& svc, const user_record& user, request& req,
                 responder respond) {
  auto pid = id_param(req, "pid");
  if (!pid)
    return respond(no_post());
  uint64_t no = 1;
  uint32_t size = 5;
  if (!paging(req, no, size, respond))
    return;
  auto t = svc.db->read();
  auto p = visible_post(t, user, *pid);
  if (!p)
    return respond(no_post());
  // A page far past the end is empty; the skip is bounded by the count.
  auto first = (no - 1) * size;
  std::vector<thread_record> list;
  if (first < p->thread_count)
    list = storage::thread_page(t, *pid, first, size);
  renderer r{t};
  respond(success(200, "Get thread", [&](json_writer& w) {
    page(w, p->thread_count, size, no, [&] {
      for (auto& th : list)
        r.thread(w, th);
    });
  }));
}

} // namespace skyhaul::http::community
