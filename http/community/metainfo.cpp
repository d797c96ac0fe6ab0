#include "http/community/envelope.hpp"
#include "http/community/handlers.hpp"

#include "base/hex.hpp"
#include "base/metainfo.hpp"
#include "http/bridge.hpp"
#include "http/multipart.hpp"
#include "http/validate.hpp"
#include "protocol/task_spec.hpp"
#include "storage/community_gate.hpp"
#include "storage/lmdb_env.hpp"

#include <caf/all.hpp>
#include <rapidjson/document.h>

namespace skyhaul::http::community {

namespace {

/// Where served torrents announce: the configured URL, or this listener
/// as the client reached it.
std::string announce_base(const services& svc, const request& req) {
  if (!svc.cfg->tracker_url.empty())
    return svc.cfg->tracker_url;
  return "http://" + req.header("host") + "/announce";
}

std::string upper(std::string s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'f')
      c = static_cast<char>(c - 'a' + 'A');
  return s;
}

} // namespace

void upload_metainfo(const services& svc, const user_record& user,
                     request& req, responder respond) {
  auto pid = id_param(req, "pid");
  if (!pid)
    return respond(community_error(404, "No such post found"));
  auto boundary = form_boundary(req.header("content-type"));
  if (!boundary)
    return respond(community_error(
        400, "The torrent must come as multipart/form-data"));
  std::string error;
  auto parts = parse_form(req.body, *boundary, error);
  if (!parts)
    return respond(community_error(400, "Malformed multipart body: " + error));
  const form_part* file = nullptr;
  for (auto& p : *parts)
    if (p.name == "file" || p.name == "torrent")
      file = &p;
  if (file == nullptr)
    return respond(
        community_error(400, "The torrent must be the part named file"));
  if (file->body.size() > svc.cfg->bt_max_torrent_size)
    return respond(community_error(
        413, "The torrent is larger than "
                 + std::to_string(svc.cfg->bt_max_torrent_size) + " bytes"));
  auto facts = check_metainfo(file->body, error);
  if (!facts)
    return respond(community_error(400, "Not a usable torrent: " + error));
  auto w = write_of(user, community_op::put_metainfo, *pid);
  w.post.info_hash = to_hex(facts->info_hash);
  w.post.size = facts->size;
  w.torrent = std::move(file->body);
  write(svc, std::move(w), respond, 201, "Torrent file uploaded", 'p');
}

void download_metainfo(const services& svc, const user_record& user,
                       request& req, responder respond) {
  auto pid = id_param(req, "pid");
  if (!pid)
    return respond(community_error(404, "No such post found"));
  auto t = svc.db->read();
  auto gated = storage::gate_metainfo(t, user, *pid);
  if (gated.code != ec::none)
    return respond(community_error(http_status(gated.code), gated.message));
  reply r;
  r.content_type = "application/x-bittorrent";
  r.body = with_announce(gated.torrent,
                         announce_base(svc, req) + "/" + user.passkey);
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=" + upper(gated.post.info_hash)
                             + ".torrent;");
  respond(std::move(r));
}

void fetch_post(const services& svc, const user_record& user, request& req,
                responder respond) {
  auto pid = id_param(req, "pid");
  if (!pid)
    return respond(community_error(404, "No such post found"));
  task_spec spec;
  if (!req.body.empty()) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag
                  | rapidjson::kParseIterativeFlag>(req.body.c_str(),
                                                     req.body.size());
    if (doc.HasParseError() || !doc.IsObject())
      return respond(community_error(400, "The body must be a JSON object"));
    for (auto& m : doc.GetObject()) {
      std::string name{m.name.GetString(), m.name.GetStringLength()};
      auto& v = m.value;
      if ((name == "bucket" || name == "target") && v.IsString()) {
        (name == "bucket" ? spec.bucket : spec.target)
            = {v.GetString(), v.GetStringLength()};
      } else if (name == "files" && v.IsArray()) {
        for (auto& f : v.GetArray()) {
          if (!f.IsString())
            return respond(community_error(400, "files must be strings"));
          spec.files.emplace_back(f.GetString(), f.GetStringLength());
        }
      } else {
        return respond(
            community_error(400, "Unknown or malformed field: " + name));
      }
    }
  }
  if (spec.bucket.empty())
    spec.bucket = "user-" + std::to_string(user.id);
  else if (!valid_bucket_name(spec.bucket))
    return respond(community_error(400, "Bad bucket name: " + spec.bucket));
  if (spec.target.size() > max_file_name_length)
    return respond(community_error(400, "target is too long"));
  if (auto bad = check_file_names(spec.files))
    return respond(community_error(400, "files: " + *bad));
  ask(
      *svc.sys, svc.community,
      [respond](task_seq seq) {
        respond(success(201, "Fetch started", [&](json_writer& w) {
          w.StartObject();
          put(w, "tid", format_tid(seq));
          w.EndObject();
        }));
      },
      [respond](caf::error& err) { respond(failure(err)); }, atom::fetch_v,
      user.id, *pid, std::move(spec), announce_base(svc, req));
}

} // namespace skyhaul::http::community
