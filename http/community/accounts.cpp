#include "http/community/envelope.hpp"
#include "http/community/handlers.hpp"
#include "http/community/render.hpp"

#include "storage/lmdb_env.hpp"
#include "storage/user_table.hpp"

#include <rapidjson/document.h>

namespace skyhaul::http::community {

namespace {

constexpr size_t max_level_name = 64;

/// Reads a level's fields into `l`; `lid` in the body is ignored (the
/// path names the level).
std::optional<std::string> read_level(const request& req, level_record& l) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag
                | rapidjson::kParseIterativeFlag>(req.body.c_str(),
                                                   req.body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return std::string{"The body must be a JSON object"};
  for (auto& m : doc.GetObject()) {
    std::string name{m.name.GetString(), m.name.GetStringLength()};
    auto& v = m.value;
    auto count = [&](uint64_t& out) {
      if (!v.IsUint64())
        return false;
      out = v.GetUint64();
      return true;
    };
    if (name == "name") {
      if (!v.IsString() || v.GetStringLength() == 0
          || v.GetStringLength() > max_level_name)
        return std::string{"name must be a string of 1-64 bytes"};
      l.name = {v.GetString(), v.GetStringLength()};
    } else if (name == "minimum") {
      if (!count(l.minimum))
        return std::string{"minimum must be a number"};
    } else if (name == "minUploadBytes" || name == "minUploadByte") {
      if (!count(l.min_upload_bytes))
        return name + " must be a number";
    } else if (name == "minDownloadBytes" || name == "minDownloadByte") {
      if (!count(l.min_download_bytes))
        return name + " must be a number";
    } else if (name != "lid" && name != "icon") {
      return "Unknown field: " + name;
    }
  }
  if (l.name.empty())
    return std::string{"name is required"};
  return std::nullopt;
}

} // namespace

void list_levels(const services& svc, const user_record&, request&,
                 responder respond) {
  auto t = svc.db->read();
  renderer r{t};
  respond(success(200, "Get levels", [&](json_writer& w) {
    w.StartArray();
    for (auto& l : r.levels())
      r.level(w, l);
    w.EndArray();
  }));
}

void put_level(const services& svc, const user_record& user, request& req,
               responder respond) {
  if (!user.admin)
    return respond(community_error(403, "Only admins may change levels"));
  auto w = write_of(user, community_op::put_level);
  if (req.params.count("lid")) {
    auto lid = id_param(req, "lid");
    if (!lid || *lid > UINT32_MAX)
      return respond(community_error(404, "No such level"));
    w.level.lid = static_cast<uint32_t>(*lid);
  }
  if (auto bad = read_level(req, w.level))
    return respond(community_error(400, *bad));
  bool create = w.level.lid == 0;
  write(svc, std::move(w), respond, create ? 201 : 200,
        create ? "Level persisted" : "Level updated", 'l');
}

void delete_level(const services& svc, const user_record& user,
                  request& req, responder respond) {
  if (!user.admin)
    return respond(community_error(403, "Only admins may change levels"));
  auto lid = id_param(req, "lid");
  if (!lid || *lid > UINT32_MAX)
    return respond(community_error(404, "No such level"));
  auto w = write_of(user, community_op::delete_level, *lid);
  write(svc, std::move(w), respond, 200, "Level deleted", '-');
}

void show_me(const services& svc, const user_record& user, request&,
             responder respond) {
  auto t = svc.db->read();
  renderer r{t};
  respond(success(200, "Get user",
                  [&](json_writer& w) { r.user(w, user, true); }));
}

void show_user(const services& svc, const user_record& user, request& req,
               responder respond) {
  auto uid = id_param(req, "uid");
  auto t = svc.db->read();
  auto other = uid ? storage::get_user(t, *uid) : std::nullopt;
  if (!other)
    return respond(community_error(404, "No such user found"));
  renderer r{t};
  respond(success(200, "Get user", [&](json_writer& w) {
    r.user(w, *other, other->id == user.id);
  }));
}

} // namespace skyhaul::http::community
